/**
 * A disk that fills during the send loop, on a real tmpfs (as root; skipped with the reason
 * otherwise): the checkpoint refusing an intent (the request never leaves), refusing an outcome
 * (the outbox keeps it; without an outbox the message names the answer), and the outbox refusing
 * an intent (the checkpoint's intent is taken back). And the other files: the outbox, the output
 * CSV, the manifest, the log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/api/client.js';
import { sendRows, type RowToSend, type SendLoopContext } from '../../src/pay/send-loop.js';
import { headerLeaving, intentLength } from '../helpers/intent-line.js';
import { DiskError, EXIT } from '../../src/core/errors.js';
import { createResultWriter } from '../../src/csv/write.js';
import type { JournalHeader } from '../../src/journal/entries.js';
import { JournalWriter } from '../../src/journal/file.js';
import { emptyState } from '../../src/journal/replay.js';
import type { ApiLedger, LedgerTurn } from '../../src/ledger/ledger.js';
import { OutboxFile } from '../../src/ledger/outbox-file.js';
import type { OutboxLine } from '../../src/ledger/outbox-lines.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { writeManifest, type Manifest } from '../../src/output/manifest.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { Pacer } from '../../src/schedule/pacer.js';
import { ADDRESS, amountOfRow, tempDir } from '../helpers/payroll.js';
import { fillDisk, mountTmpfs, PAGE, unmountTmpfs, whyNoTmpfs } from '../helpers/tmpfs.js';

const noTmpfs = whyNoTmpfs();
if (noTmpfs) console.warn(`full-disk tests skipped: ${noTmpfs}`);
const describeWithTmpfs = noTmpfs ? describe.skip : describe;

const INTERVAL = 20;
const KEY = 'k-full-disk-1';
let sandbox: Sandbox;
let plain: string;

beforeAll(async () => {
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
  plain = tempDir();
});
afterAll(async () => {
  await sandbox.close();
  rmSync(plain, { recursive: true, force: true });
});

/** The one row each test sends; the amount names the test. */
function rowOf(n: number): RowToSend {
  return { rowNumber: 1, payout: { currencyCode: 'USDT_TRC20', toAddress: ADDRESS.tron, amount: amountOfRow(n) } };
}
async function* rows(...list: RowToSend[]): AsyncGenerator<RowToSend> {
  yield* list;
}
function arrivalsOf(amount: string): number {
  return sandbox.ledger().filter((e) => e.amount === amount).length;
}

/**
 * A header whose line fills the checkpoint's page up to `room` bytes short of its end: on a
 * full tmpfs, a line longer than `room` then needs a page the disk does not have.
 */
function context(journal: JournalWriter, header: JournalHeader, extra: Partial<SendLoopContext> = {}): SendLoopContext {
  return {
    journal,
    state: emptyState(header),
    pacer: new Pacer({ intervalMs: INTERVAL, marginMs: 5 }),
    sender: createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 }),
    logger: createLogger({ silent: true }),
    stop: new AbortController().signal,
    intervalMs: INTERVAL,
    marginMs: 5,
    total: 1,
    ...extra,
  };
}

/** An outbox turn that writes to a real outbox file (wherever the test puts it); the lock is the test's. */
function outboxOn(file: OutboxFile): { ledger: ApiLedger; lines: OutboxLine[] } {
  const lines: OutboxLine[] = [];
  const append = (line: OutboxLine): void => {
    file.append(line);
    lines.push(line);
  };
  const turn = {
    refusal: () => undefined,
    intent: (row: number, attempt: number, at: number, p: RowToSend['payout']) =>
      append({
        v: 1,
        t: 'intent',
        api: 'x',
        ckpt: 'c',
        input: 'payroll.csv',
        row,
        attempt,
        at,
        currency: p.currencyCode,
        address: p.toAddress,
        amount: p.amount,
      }),
    outcome: (row: number, attempt: number, startedAt: number, endedAt: number, outcome: never) =>
      append({ v: 1, t: 'outcome', api: 'x', ckpt: 'c', row, attempt, startedAt, endedAt, outcome }),
    release: () => {},
  } as unknown as LedgerTurn;
  const ledger = { takeTurn: async () => turn } as unknown as ApiLedger;
  return { ledger, lines };
}

describeWithTmpfs('the send loop on a disk that fills', () => {
  let disk: string;
  let filler: string | undefined;
  beforeAll(() => {
    disk = mountTmpfs(256);
  });
  afterAll(() => unmountTmpfs(disk));
  // Each test's pacer starts afresh: the sandbox's gap after the test before is waited out here.
  beforeEach(() => new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL)));
  const freeSpace = (): void => {
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
  };

  it('a checkpoint that cannot take an intent: the request never leaves, the checkpoint is as before, and it says so', async () => {
    const row = rowOf(101);
    const header = headerLeaving(intentLength(row) - 1);
    const path = join(disk, 'intent.checkpoint.jsonl');
    const journal = JournalWriter.create(path, header);
    const before = readFileSync(path, 'utf8');
    expect(statSync(path).size).toBe(PAGE - intentLength(row) + 1);
    filler = fillDisk(disk);
    try {
      const failure = await sendRows(rows(row), context(journal, header)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as DiskError).message).toMatch(
        new RegExp(
          `^The checkpoint ${path} could not be written: the disk is full \\(ENOSPC\\)\\. Row 1 was not sent: its intent could not be recorded, so its request never left\\.`,
        ),
      );
      expect(arrivalsOf(row.payout.amount)).toBe(0);
      // The part of the line that fitted in the page was cut off again: the journal ends with a whole line.
      expect(readFileSync(path, 'utf8')).toBe(before);
    } finally {
      journal.close();
      freeSpace();
    }
  });

  it('a checkpoint that cannot take an outcome: the outbox keeps it, and the next step is payout recover', async () => {
    const row = rowOf(102);
    // The intent fits in the page; the outcome (about 150 bytes) does not.
    const header = headerLeaving(intentLength(row) + 40);
    const path = join(disk, 'outcome.checkpoint.jsonl');
    const journal = JournalWriter.create(path, header);
    const outbox = OutboxFile.open(join(plain, 'state-outcome'), true);
    if (!outbox) throw new Error('no outbox');
    const { ledger, lines } = outboxOn(outbox);
    filler = fillDisk(disk);
    try {
      const failure = (await sendRows(rows(row), context(journal, header, { ledger })).catch(
        (e: unknown) => e,
      )) as DiskError;
      expect(failure).toBeInstanceOf(DiskError);
      const invoice = sandbox.ledger().find((e) => e.amount === row.payout.amount)?.invoiceId ?? '?';
      expect(arrivalsOf(row.payout.amount)).toBe(1);
      const words = failure.afterSending('payroll.csv').message;
      expect(words).toMatch(`Row 1 was sent and paid (${invoice}), but the checkpoint could not record that.`);
      expect(words).toMatch("This machine's outbox recorded it: payout recover copies it into the checkpoint.");
      expect(words).toMatch(/Free space, then run payout recover payroll\.csv, then run the same command\.$/);
      expect(lines.map((l) => l.t)).toEqual(['intent', 'outcome']);
      // The checkpoint ends with the intent, a whole line: the row is unknown to it until recovered.
      const text = readFileSync(path, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { type: string }).type),
      ).toEqual(['header', 'intent']);
    } finally {
      journal.close();
      outbox.close();
      freeSpace();
    }
  });

  it('a checkpoint that cannot take an outcome, with no outbox (--sandbox): the message names the answer, to settle the row by hand', async () => {
    const row = rowOf(103);
    const header = headerLeaving(intentLength(row) + 40);
    const journal = JournalWriter.create(join(disk, 'alone.checkpoint.jsonl'), header);
    filler = fillDisk(disk);
    try {
      const failure = (await sendRows(rows(row), context(journal, header)).catch((e: unknown) => e)) as DiskError;
      const invoice = sandbox.ledger().find((e) => e.amount === row.payout.amount)?.invoiceId ?? '?';
      expect(failure.afterSending('payroll.csv').message).toMatch(
        `The next run shows row 1 as unknown. The run stopped before sending anything more. Free space, then run payout resolve payroll.csv --row 1 --paid ${invoice}, then run the same command.`,
      );
    } finally {
      journal.close();
      freeSpace();
    }
  });

  it('an outbox that cannot take an intent: the request never leaves, and the checkpoint takes its intent back', async () => {
    const row = rowOf(104);
    const header = headerLeaving(1000);
    const path = join(plain, 'taken-back.checkpoint.jsonl');
    const journal = JournalWriter.create(path, header);
    const before = readFileSync(path, 'utf8');
    const outbox = OutboxFile.open(join(disk, 'state'), true);
    if (!outbox) throw new Error('no outbox');
    const { ledger } = outboxOn(outbox);
    filler = fillDisk(disk);
    try {
      const failure = (await sendRows(rows(row), context(journal, header, { ledger })).catch(
        (e: unknown) => e,
      )) as DiskError;
      expect(failure).toBeInstanceOf(DiskError);
      expect(failure.message).toMatch(
        `This machine's outbox ${outbox.path} could not be written: the disk is full (ENOSPC).`,
      );
      expect(failure.message).toMatch(
        'Row 1 was not sent: its intent could not be recorded there, so its request never left. Its intent was taken back from the checkpoint too: row 1 is still to be sent.',
      );
      expect(arrivalsOf(row.payout.amount)).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(readFileSync(outbox.path, 'utf8')).toBe('');
    } finally {
      journal.close();
      outbox.close();
      freeSpace();
    }
  });
});

describeWithTmpfs('the other files on a full disk', () => {
  let disk: string;
  let filler: string | undefined;
  beforeAll(() => {
    disk = mountTmpfs(128);
  });
  afterAll(() => unmountTmpfs(disk));
  const fill = (): void => {
    filler = fillDisk(disk);
  };
  const freeSpace = (): void => {
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
  };

  it('the outbox: a line it cannot take is cut off at once, so the file ends with whole lines', () => {
    const outbox = OutboxFile.open(join(disk, 'state'), true);
    if (!outbox) throw new Error('no outbox');
    const line = (row: number): OutboxLine => ({ v: 1, t: 'request', api: `x${'y'.repeat(200)}`, at: row });
    try {
      outbox.append(line(0));
      fill();
      let failure: unknown;
      // The first page takes about twenty of these lines; the line that needs a second one is refused.
      for (let i = 1; i <= 100 && !failure; i += 1) {
        try {
          outbox.append(line(i));
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as DiskError).message).toMatch(
        /^This machine's outbox .* could not be written: the disk is full \(ENOSPC\)\. The balance query was not sent\./,
      );
      const text = readFileSync(outbox.path, 'utf8');
      expect(text.length).toBeLessThanOrEqual(PAGE);
      expect(text.endsWith('\n')).toBe(true);
    } finally {
      outbox.close();
      freeSpace();
    }
  });

  it('the output CSV: a DiskError naming it, and nothing left at its path', async () => {
    const out = join(disk, 'payroll.results.csv');
    fill();
    try {
      const writer = await createResultWriter(out, { columns: ['a'] } as never);
      writer.add({ rowNumber: 1, fields: ['x'.repeat(2 * PAGE)] } as never, { status: 'paid' });
      const failure = await writer.commit().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as DiskError).message).toBe(
        `The output CSV ${out} could not be written: the disk is full (ENOSPC). Nothing was sent. Free space, then run the same command.`,
      );
      expect(() => statSync(out)).toThrow();
    } finally {
      freeSpace();
    }
  });

  it('the output CSV, refused while rows are still being written: the next flush says so as a DiskError', async () => {
    const out = join(disk, 'streamed.results.csv');
    fill();
    try {
      const writer = await createResultWriter(out, { columns: ['a'] } as never);
      await writer.write({ rowNumber: 1, fields: ['x'.repeat(2 * PAGE)] } as never, { status: 'paid' });
      // The stream reports the refused write a moment later; the writer's next flush throws it.
      let failure: unknown;
      for (let i = 2; i < 200 && !failure; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        failure = await writer
          .write({ rowNumber: i, fields: ['y'] } as never, { status: 'paid' })
          .catch((e: unknown) => e);
      }
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as DiskError).message).toMatch(
        `The output CSV ${out} could not be written: the disk is full (ENOSPC).`,
      );
      await writer.abort();
    } finally {
      freeSpace();
    }
  });

  it('the manifest: a DiskError naming it', async () => {
    const path = join(disk, 'payroll.results.manifest.json');
    fill();
    try {
      const failure = await writeManifest(path, { big: 'x'.repeat(2 * PAGE) } as unknown as Manifest).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as DiskError).message).toMatch(
        `The manifest ${path} could not be written: the disk is full (ENOSPC).`,
      );
    } finally {
      freeSpace();
    }
  });

  it('the log file: said once on stderr, and the logger goes on (the checkpoint is the record, not the log)', async () => {
    const logFile = join(disk, 'payroll.results.log.jsonl');
    writeFileSync(logFile, '');
    const said: string[] = [];
    const logger = createLogger({ logFile, console: { write: (text) => said.push(text) } });
    fill();
    try {
      for (let i = 0; i < 200; i += 1) logger.info(`row ${i}: ${'x'.repeat(100)}`);
      await closeLogger(logger);
      const warnings = said.filter((line) => line.includes('could not be written'));
      expect(warnings).toEqual([
        `warn: the log file ${logFile} could not be written (the disk is full (ENOSPC)); the run goes on without it: the checkpoint, not the log, is the record of what was paid\n`,
      ]);
      // Every line reached the console all the same.
      expect(said.filter((line) => line.startsWith('row '))).toHaveLength(200);
    } finally {
      freeSpace();
    }
  });
});

it('exit codes of the kind: 2 before sending, 3 after', () => {
  const error = DiskError.from(Object.assign(new Error('x'), { code: 'ENOSPC' }), 'the checkpoint', '/c');
  expect(error?.exitCode).toBe(EXIT.usage);
  expect(error?.afterSending().exitCode).toBe(EXIT.incomplete);
});
