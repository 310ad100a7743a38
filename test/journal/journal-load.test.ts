/**
 * Reading the checkpoint back: a journal larger than one read, a line longer than one read, a
 * torn last line after many reads (its exact bytes, for the cut), a file that cannot be read,
 * and each kind of damage refused with the line named and what to do. No file stays open.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, InputError } from '../../src/core/errors.js';
import { loadJournal } from '../../src/journal/file.js';
import { isOpenHere } from '../helpers/disk-faults.js';

const HEADER = JSON.stringify({
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: 'p.csv' },
  createdAt: '2026-11-21T00:00:00Z',
});
const intentLine = (row: number, attempt = 1): string =>
  JSON.stringify({
    type: 'intent',
    row,
    attempt,
    at: 1000 + row,
    currency_code: 'BTC',
    to_address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
    amount: '0.1',
  });
const outcomeLine = (row: number, outcome: object, attempt = 1): string =>
  JSON.stringify({ type: 'outcome', row, attempt, startedAt: 2000 + row, endedAt: 2010 + row, outcome });

describe('loading the checkpoint', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-load-'));
    path = join(dir, 'c.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a journal of several reads, lines crossing each read, and counts a torn last line in bytes', async () => {
    const rows = 20_000;
    const lines = [HEADER];
    for (let row = 1; row <= rows; row += 1) {
      lines.push(intentLine(row));
      // Every third row's answer is not the common accepted line: read through the schema instead.
      lines.push(
        outcomeLine(
          row,
          row % 3 === 0
            ? { kind: 'rejected', code: 'c', message: `no ${'ü'.repeat(row % 5)}` }
            : { kind: 'accepted', invoiceId: `INV-${row}` },
        ),
      );
    }
    const whole = `${lines.join('\n')}\n`;
    const torn = intentLine(rows + 1).slice(0, 33);
    writeFileSync(path, whole + torn);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(3 * (1 << 20));
    const journal = await loadJournal(path);
    expect(isOpenHere(path)).toBe(false);
    expect(journal).toMatchObject({ validBytes: Buffer.byteLength(whole), tornBytes: 33 });
    const state = journal?.state;
    expect(state?.rows.size).toBe(rows);
    expect([...(state?.rows.values() ?? [])].filter((r) => r.status === 'paid')).toHaveLength(
      rows - Math.floor(rows / 3),
    );
    expect(state?.rows.get(rows - 1)?.invoiceId).toBe(`INV-${rows - 1}`);
    expect(state?.rows.get(rows)?.status).toBe('paid');
    expect(state?.rows.get(rows - 2)?.status).toBe('failed');
    expect(state?.rows.has(rows + 1)).toBe(false);
    expect(state?.lastRequest).toEqual({ intentAt: 1000 + rows, startedAt: 2000 + rows, endedAt: 2010 + rows });
  });

  it('reads a line longer than several reads (an API answer of megabytes)', async () => {
    const message = 'm'.repeat(5 << 20);
    const text = `${HEADER}\n${intentLine(1)}\n${outcomeLine(1, { kind: 'rejected', code: 'c', message })}\n${intentLine(2)}\n`;
    writeFileSync(path, text);
    const journal = await loadJournal(path);
    expect(journal).toMatchObject({ validBytes: Buffer.byteLength(text), tornBytes: 0 });
    expect(journal?.state?.rows.get(1)?.status).toBe('failed');
    expect(journal?.state?.rows.get(2)?.status).toBe('unknown');
  });

  it('an empty file, or a header cut short, is a checkpoint never started: no state, its bytes torn', async () => {
    writeFileSync(path, '');
    expect(await loadJournal(path)).toEqual({ validBytes: 0, tornBytes: 0 });
    writeFileSync(path, HEADER);
    expect(await loadJournal(path)).toEqual({ validBytes: 0, tornBytes: Buffer.byteLength(HEADER) });
  });

  it('a checkpoint that cannot be read (not a missing file) is an InputError naming it, exit 2', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const inside = join(dir, 'a-file', 'c.jsonl');
    const failure = await loadJournal(inside).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).message).toMatch(new RegExp(`^cannot read the checkpoint ${inside}: ENOTDIR`));
    expect((failure as InputError).exitCode).toBe(EXIT.usage);
    expect((failure as InputError).cause).toMatchObject({ code: 'ENOTDIR' });
  });

  it.each<[string, string[], number, string]>([
    ['a first line that is not JSON', ['{"type":"header",', intentLine(1)], 1, 'not a JSON line'],
    [
      'a first line that is no header',
      [intentLine(1), intentLine(2)],
      1,
      'the first line is not a payout checkpoint header',
    ],
    ['a line that is not JSON', [HEADER, intentLine(1), 'intent 2'], 3, 'not a JSON line'],
    ['a line the tool did not write', [HEADER, '{"type":"payment","row":1}'], 2, 'a line the tool did not write'],
    [
      'an answer without its intent',
      [HEADER, intentLine(1), outcomeLine(2, { kind: 'accepted', invoiceId: 'INV-2' })],
      3,
      'an outcome for row 2 without its intent',
    ],
  ])('refuses %s, naming the line and what to do, exit 2', async (_name, lines, line, why) => {
    writeFileSync(path, `${lines.join('\n')}\n`);
    const failure = await loadJournal(path).catch((error: unknown) => error);
    expect(isOpenHere(path)).toBe(false);
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).exitCode).toBe(EXIT.usage);
    const { message } = failure as InputError;
    expect(message).toMatch(
      `the checkpoint ${path} is damaged at line ${line} (${why}). It is refused rather than guessed at`,
    );
    expect(message).toMatch(
      'restore it from a backup, or check every row in the CryptoCloud dashboard before running again',
    );
  });
});
