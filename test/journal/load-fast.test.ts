/**
 * The fast loader (big reads, the two common lines read in the bytes, an intent and its outcome
 * folded at once) must come to exactly what the loader before it came to, on any file: the same
 * rows in the same order, the same last request and byte counts, or the same refusal naming the
 * same line. Journals are made as runs write them, then damaged, reordered or torn.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJournal } from '../../src/journal/file.js';
import { expectStrictEqual } from '../helpers/agree.js';
import { loadBefore, settle } from './load-before.js';

const HEADER = JSON.stringify({
  type: 'header',
  version: 1,
  input: { sha256: 'c'.repeat(64), bytes: 99, name: 'p.csv' },
  createdAt: '2026-11-21T00:00:00Z',
});

const OUTCOMES = [
  'accepted',
  'accepted',
  'accepted',
  'rejected',
  'unknown',
  'rate_limited',
  'never_sent',
  'auth_failed',
  'in flight',
] as const;
type Step = {
  row: number;
  what: (typeof OUTCOMES)[number] | 'resolve paid' | 'resolve not paid' | 'balance';
  at: number;
};

/** The lines a run (and `payout resolve`) would write for these steps, skipping steps it would not take. */
function runLines(steps: Step[]): string[] {
  const rows = new Map<number, { status: string; attempts: number }>();
  const lines: string[] = [];
  for (const { row, what, at } of steps) {
    const record = rows.get(row) ?? { status: 'pending', attempts: 0 };
    if (what === 'balance') {
      lines.push(JSON.stringify({ type: 'request', what: 'balance', at }));
      lines.push(JSON.stringify({ type: 'request', what: 'balance', at, startedAt: at + 1, endedAt: at + 40 }));
    } else if (what === 'resolve paid' || what === 'resolve not paid') {
      if (record.status !== 'unknown') continue;
      const paid = what === 'resolve paid';
      lines.push(JSON.stringify({ type: 'resolve', row, at, invoiceId: paid ? `INV-R${row}` : null }));
      rows.set(row, { status: paid ? 'paid' : 'pending', attempts: record.attempts });
    } else {
      if (record.status !== 'pending' && record.status !== 'failed') continue;
      const attempt = record.attempts + 1;
      lines.push(
        JSON.stringify({
          type: 'intent',
          row,
          attempt,
          at,
          currency_code: 'USDT_TRC20',
          to_address: `TAddr${row}`,
          amount: `${row}.5`,
        }),
      );
      if (what === 'in flight') {
        rows.set(row, { status: 'unknown', attempts: attempt });
        continue;
      }
      const outcome =
        what === 'accepted'
          ? { kind: what, invoiceId: `INV-${row}-${attempt}` }
          : what === 'rejected'
            ? { kind: what, code: 'c', message: 'no' }
            : { kind: what, message: what };
      lines.push(JSON.stringify({ type: 'outcome', row, attempt, startedAt: at + 2, endedAt: at + 180, outcome }));
      const status = { accepted: 'paid', rejected: 'failed', unknown: 'unknown' }[what as string] ?? 'pending';
      rows.set(row, { status, attempts: attempt });
    }
  }
  return lines;
}

const step: fc.Arbitrary<Step> = fc.record({
  row: fc.integer({ min: 1, max: 6 }),
  what: fc.constantFrom(...OUTCOMES, 'resolve paid', 'resolve not paid', 'balance'),
  at: fc.integer({ min: 0, max: 2 ** 42 }),
});

/** Ways a journal gets damaged or edited; each may make it refused, or not. */
const damage = fc.oneof(
  fc.record({ how: fc.constant('swap' as const), at: fc.nat() }),
  fc.record({ how: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ how: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ how: fc.constant('respace' as const), at: fc.nat() }),
  fc.record({
    how: fc.constant('edit' as const),
    at: fc.nat(),
    offset: fc.nat(),
    c: fc.constantFrom(...'{}":,0123456789-.eE \\\u0000\u001fé\r\n'.split(''), '\\u0041'),
  }),
  fc.record({ how: fc.constant('tear' as const), at: fc.nat() }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function damaged(lines: string[], edits: Damage[]): string {
  const out = [...lines];
  let tail = '';
  for (const edit of edits) {
    if (out.length === 0) break;
    const i = edit.at % out.length;
    const line = out[i] ?? '';
    switch (edit.how) {
      case 'swap':
        if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1] ?? '', line];
        break;
      case 'duplicate':
        out.splice(i, 0, line);
        break;
      case 'delete':
        out.splice(i, 1);
        break;
      case 'respace':
        // Still the same entry to JSON.parse, but no longer the writer's exact bytes: the slow path reads it.
        out[i] = line.replace(':', ': ');
        break;
      case 'edit': {
        const j = edit.offset % (line.length + 1);
        out[i] = line.slice(0, j) + edit.c + line.slice(j + 1);
        break;
      }
      case 'tear':
        tail = line.slice(0, line.length >> 1);
        break;
    }
  }
  return out.map((line) => `${line}\n`).join('') + tail;
}

describe('loadJournal', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-load-fast-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function expectSameAsBefore(text: string | Buffer): Promise<void> {
    const path = join(dir, 'c.jsonl');
    writeFileSync(path, text);
    expectStrictEqual(await settle(() => loadJournal(path)), await settle(() => loadBefore(path)));
  }

  it('replays what runs write as before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        await expectSameAsBefore(`${HEADER}\n${runLines(steps).join('\n')}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses (or reads) damaged, reordered and torn journals exactly as before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 30 }),
        fc.array(damage, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (steps, edits, withHeader) => {
          const lines = runLines(steps);
          await expectSameAsBefore(damaged(withHeader ? [HEADER, ...lines] : lines, edits));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it.each([
    ['an empty file', ''],
    ['a header alone', `${HEADER}\n`],
    ['a torn header', HEADER.slice(0, 20)],
    ['an empty line', `${HEADER}\n\n`],
    ['a line with a carriage return', `${HEADER}\r\n`],
    ['a second header', `${HEADER}\n${HEADER}\n`],
    [
      'an outcome for the previous row after an intent',
      `${HEADER}\n${runLines([
        { row: 1, what: 'in flight', at: 5 },
        { row: 2, what: 'in flight', at: 6 },
      ]).join('\n')}\n${runLines([{ row: 1, what: 'accepted', at: 5 }])[1]}\n`,
    ],
    [
      'an outcome of another attempt after an intent',
      `${HEADER}\n${runLines([{ row: 1, what: 'in flight', at: 5 }])[0]}\n${runLines([{ row: 1, what: 'accepted', at: 5 }])[1]?.replace('"attempt":1', '"attempt":2')}\n`,
    ],
    [
      'an outcome twice',
      `${HEADER}\n${runLines([{ row: 3, what: 'accepted', at: 5 }]).join('\n')}\n${runLines([{ row: 3, what: 'accepted', at: 5 }])[1]}\n`,
    ],
    [
      'a row 2^53 (an unsafe integer)',
      `${HEADER}\n${runLines([{ row: 1, what: 'accepted', at: 5 }])[0]?.replace('"row":1', '"row":9007199254740992')}\n`,
    ],
    [
      'a torn intent after a paid row',
      `${HEADER}\n${runLines([
        { row: 1, what: 'accepted', at: 5 },
        { row: 2, what: 'accepted', at: 5 },
      ])
        .join('\n')
        .slice(0, -30)}`,
    ],
  ])('treats %s as before', async (_what, text) => {
    await expectSameAsBefore(text);
  });

  describe('across reads', () => {
    // Lines cut by the 1 MiB reads, a line longer than a read, damage just past a read's end.
    const steps = Array.from({ length: 12_000 }, (_, i): Step => ({
      row: i + 1,
      what: i % 997 === 5 ? 'rejected' : 'accepted',
      at: 1_700_000_000_000 + i * 12_000,
    }));
    const lines = runLines(steps);
    const longIntent = JSON.stringify({
      type: 'intent',
      row: 20_000,
      attempt: 1,
      at: 1,
      currency_code: 'ETH',
      to_address: 'x'.repeat(3_000_000),
      amount: '1',
    });
    const longOutcome = JSON.stringify({
      type: 'outcome',
      row: 20_000,
      attempt: 1,
      startedAt: 2,
      endedAt: 3,
      outcome: { kind: 'accepted', invoiceId: 'y'.repeat(1_500_000) },
    });
    const body = `${HEADER}\n${lines.slice(0, 9_000).join('\n')}\n${longIntent}\n${longOutcome}\n${lines.slice(9_000).join('\n')}\n`;

    it('replays a journal of several reads and a line longer than a read as before', async () => {
      await expectSameAsBefore(body);
      await expectSameAsBefore(`${body}${lines[0]?.slice(0, 50)}`);
    });

    it.each([1 << 20, (1 << 20) + 1, 1 << 21, 5_000_000])('refuses damage around byte %i as before', async (at) => {
      const bytes = Buffer.from(body);
      const newline = bytes.indexOf(0x0a, at);
      bytes[newline - 3] = 0x20;
      await expectSameAsBefore(bytes);
      const swapped = Buffer.from(body);
      // The line that a read cut, swapped with the next: an outcome before its intent.
      const start = swapped.lastIndexOf(0x0a, at) + 1;
      const end = swapped.indexOf(0x0a, at);
      const next = swapped.indexOf(0x0a, end + 1);
      await expectSameAsBefore(
        Buffer.concat([
          swapped.subarray(0, start),
          swapped.subarray(end + 1, next + 1),
          swapped.subarray(start, end + 1),
          swapped.subarray(next + 1),
        ]),
      );
    });
  });
});
