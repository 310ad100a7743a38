/**
 * The scan of a large file on two threads (a worker parses and validates most segments) must
 * give exactly what one thread gives: the same rows, numbers, verdicts, repeats, totals and
 * digest, and the same error, worded the same, for a file that is refused. Small sizes force the
 * two-thread path on small files.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../src/core/errors.js';
import { openScan, type ScanOptions } from '../../src/scan/scan.js';
import { SegmentWorker } from '../../src/scan/segment-worker.js';
import { openChosenRows } from '../../src/scan/segmented-scan.js';
import { ADDRESS, CLI, runCli, tempDir } from '../helpers/payroll.js';

const dir = tempDir('payout-parallel-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ONE_THREAD: ScanOptions = { parallel: { fromBytes: Number.MAX_SAFE_INTEGER } };
/** Two threads, a segment every few rows. */
const TWO_THREADS: ScanOptions = { parallel: { fromBytes: 0, segmentBytes: 150, chunkBytes: 61 } };

async function scanAll(path: string, options: ScanOptions) {
  const scan = await openScan(path, options);
  const rows = [];
  for await (const batch of scan.batches) {
    for (const { row, verdict, duplicateOf } of batch) rows.push({ row, verdict, duplicateOf });
  }
  const { header, totals, layout, ...summary } = scan.summary();
  return { rows, summary: { ...summary, totals: totals.entries(), columns: header.columns }, layout };
}

async function errorOf(path: string, options: ScanOptions): Promise<unknown> {
  try {
    await scanAll(path, options);
  } catch (error) {
    return error;
  }
  return undefined;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Valid, invalid, repeated, quoted (with commas and line breaks), blank lines, CRLF and CR. */
function mixedPayroll(rows: number): string {
  const lines = ['\ufeffemployee,note,currency_code,to_address,amount'];
  for (let i = 1; i <= rows; i++) {
    const evm = `0x${i.toString(16).padStart(40, '0')}`;
    const kind = i % 9;
    if (kind === 0) lines.push(`E${i},"Doe, Jane\nsecond line",USDT_TRC20,${ADDRESS.tron},${i}.5`);
    else if (kind === 1) lines.push(`E${i},,ETH,${evm},not-a-number`);
    else if (kind === 2)
      lines.push(`E${i},"say ""hi""",USDT_TRC20,${ADDRESS.tron},7`); // repeats: same address and amount
    else if (kind === 3) lines.push('');
    else if (kind === 4) lines.push(`E${i},x,ETH,${ADDRESS.evm},${i}\r`);
    else if (kind === 5) lines.push(`E${i},,USDT_ERC20,${ADDRESS.evm.toLowerCase()},0.000001`);
    else lines.push(`E${i},,ETH,${evm},${i}.25`);
  }
  return `${lines.join('\n')}\n`;
}

describe('openScan on two threads', () => {
  it('gives exactly what one thread gives', async () => {
    const path = write('mixed.csv', mixedPayroll(400));
    const one = await scanAll(path, ONE_THREAD);
    const two = await scanAll(path, TWO_THREADS);
    expect(one.rows.length).toBeGreaterThan(300);
    expect(one.summary.duplicates).toBeGreaterThan(10);
    expect(one.summary.invalid).toBeGreaterThan(10);
    expect(two.rows).toEqual(one.rows);
    expect(two.summary).toEqual(one.summary);
    expect(one.layout).toBeUndefined();
    // The layout accounts for every byte, row and line of the file.
    const layout = two.layout!;
    expect(layout.bytes.length).toBeGreaterThan(10);
    expect(layout.headBytes + layout.bytes.reduce((a, b) => a + b, 0)).toBe(two.summary.bytes);
    expect(layout.headRows + layout.rows.reduce((a, b) => a + b, 0)).toBe(two.summary.rows);
  });

  it('gives the same for a file without a line break at its end, and for larger segments', async () => {
    const path = write('no-eol.csv', mixedPayroll(200).replace(/\n$/, ''));
    const one = await scanAll(path, ONE_THREAD);
    expect((await scanAll(path, TWO_THREADS)).rows).toEqual(one.rows);
    const larger = await scanAll(path, { parallel: { fromBytes: 0, segmentBytes: 2000, chunkBytes: 999 } });
    expect({ ...larger, layout: undefined }).toEqual(one);
  });

  it.each([
    ['a row of the wrong length far down', (text: string) => text.replace('\nE302,', '\nE302,extra,')],
    ['a quote that never closes', (text: string) => text.replace('\nE302,', '\nE302,"')],
    ['a stray quote inside a field', (text: string) => text.replace('\nE302,', '\nE302,ab"c')],
  ])('refuses %s with the same words as one thread', async (_, damage) => {
    const path = write('damaged.csv', damage(mixedPayroll(400)));
    const one = await errorOf(path, ONE_THREAD);
    const two = await errorOf(path, TWO_THREADS);
    expect(one).toBeInstanceOf(InputError);
    expect(two).toBeInstanceOf(InputError);
    expect((two as Error).message).toBe((one as Error).message);
    expect((one as Error).message).toMatch(/line \d+/);
  });

  it('reports what one thread reports for a bad row followed, within the read-ahead, by a bad byte', async () => {
    // Default sizes: the bad row (~200 KB in) and the bad byte (~300 KB in) are in different reads.
    const text = mixedPayroll(6000).replace('\nE3202,', '\nE3202,extra,');
    const at = text.indexOf('\nE4802,');
    const path = join(dir, 'bad-row-then-byte.csv');
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from('\nE4802,\xff', 'latin1'),
        Buffer.from(text.slice(at + 7)),
      ]),
    );
    const one = await errorOf(path, ONE_THREAD);
    const two = await errorOf(path, { parallel: { fromBytes: 0 } });
    expect((one as Error).message).toMatch(/line \d+ \(row 28\d\d\)/);
    expect((two as Error).message).toBe((one as Error).message);
  });

  it('gives what one thread gives for a file that starts with sep=;, its rows and its errors numbered alike', async () => {
    const semicolons = (text: string): string => `sep=;\n${text.replace(/,/g, ';')}`;
    const plain = mixedPayroll(200).replace(/"[^"]*"/g, 'x');
    const path = write('sep.csv', semicolons(plain));
    const one = await scanAll(path, ONE_THREAD);
    const two = await scanAll(path, TWO_THREADS);
    expect(one.rows.length).toBeGreaterThan(150);
    expect(one.rows[0]?.row).toMatchObject({ rowNumber: 1, lineNumber: 3 });
    expect(two.rows).toEqual(one.rows);
    expect(two.summary).toEqual(one.summary);
    // A bad row deep in the file: the error names the same line on both paths.
    const bad = write('sep-bad.csv', semicolons(plain.replace('\nE150,', '\nE150,extra,')));
    const oneError = (await errorOf(bad, ONE_THREAD)) as Error;
    expect(oneError.message).toMatch(/sep-bad\.csv line \d+ \(row 1\d\d\)/);
    expect(((await errorOf(bad, TWO_THREADS)) as Error).message).toBe(oneError.message);
  });

  it('carries on without the worker when it cannot start, with the same rows', async () => {
    const path = write('no-worker.csv', mixedPayroll(300));
    const one = await scanAll(path, ONE_THREAD);
    const broken = {
      parallel: { ...TWO_THREADS.parallel, workerFile: new URL('file:///nonexistent/payout-scan-worker.js') },
    };
    expect((await scanAll(path, broken)).rows).toEqual(one.rows);
  });

  it("the built bin's own worker (scan-worker.js beside it) parses a segment: without it a scan would fall back to one thread unseen", async () => {
    const path = write('bundle-worker.csv', mixedPayroll(20));
    const { summary } = await openScan(path, ONE_THREAD).then(async (scan) => {
      for await (const batch of scan.batches) void batch;
      return { summary: scan.summary() };
    });
    const worker = SegmentWorker.start(summary.header, undefined, pathToFileURL(join(dirname(CLI), 'scan-worker.js')));
    try {
      const result = await worker.submit(Buffer.from(`E1,,ETH,${ADDRESS.evm},1.5\nE2,,ETH,${ADDRESS.evm},2\n`));
      expect(result.lines).toBe(2);
    } finally {
      worker.close();
    }
  });

  it('stops cleanly when the caller stops early', async () => {
    const path = write('early.csv', mixedPayroll(400));
    const scan = await openScan(path, TWO_THREADS);
    for await (const batch of scan.batches) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(() => scan.summary()).toThrow(/not read to its end/);
  });
});

describe('openChosenRows (pass 2 after a two-thread pass 1)', () => {
  async function chosen(path: string, wanted: (first: number, last: number) => boolean) {
    const { layout } = await scanAll(path, TWO_THREADS);
    const read = await openChosenRows(path, TWO_THREADS, layout!, wanted, () => new Error('changed'));
    const rows = [];
    for await (const batch of read.batches) rows.push(...batch);
    return { rows, digest: read.digest() };
  }

  it('gives the rows of the segments asked for, numbered as in the file, and the digest of every byte', async () => {
    const path = write('chosen.csv', mixedPayroll(400));
    const all = await scanAll(path, ONE_THREAD);
    const want = new Set([5, 6, 150, all.summary.rows]);
    const { rows, digest } = await chosen(path, (first, last) => [...want].some((n) => n >= first && n <= last));
    for (const n of want) expect(rows.find((r) => r.rowNumber === n)).toEqual(all.rows[n - 1]?.row);
    // Only the segments holding them were parsed: far fewer rows than the file.
    expect(rows.length).toBeLessThan(all.summary.rows / 4);
    for (const row of rows) expect(row).toEqual(all.rows[row.rowNumber - 1]?.row);
    expect(digest).toEqual({ sha256: all.summary.sha256, bytes: all.summary.bytes });
  });

  it('cuts where pass 1 cut, whatever the size of the reads', async () => {
    const path = write('rechunked.csv', mixedPayroll(400));
    const all = await scanAll(path, ONE_THREAD);
    const { layout } = await scanAll(path, TWO_THREADS);
    for (const chunkBytes of [7, 997, 1 << 20]) {
      const read = await openChosenRows(
        path,
        TWO_THREADS,
        { ...layout!, chunkBytes },
        () => true,
        () => new Error('changed'),
      );
      const rows = [];
      for await (const batch of read.batches) rows.push(...batch);
      expect(rows).toEqual(all.rows.map((r) => r.row));
    }
  });

  it('throws changed() for bytes edited where pass 2 does not parse, the size kept', async () => {
    const path = write('same-size.csv', mixedPayroll(400));
    const { layout, summary } = await scanAll(path, TWO_THREADS);
    writeFileSync(path, mixedPayroll(400).replace('\nE200,', '\nE20X,'));
    const wanted = (first: number, last: number) => last >= summary.rows;
    const read = await openChosenRows(path, TWO_THREADS, layout!, wanted, () => new Error('changed'));
    await expect(
      (async () => {
        for await (const batch of read.batches) void batch;
      })(),
    ).rejects.toThrow('changed');
  });

  it('throws changed() for a file that no longer cuts as pass 1 cut it', async () => {
    const path = write('changing.csv', mixedPayroll(400));
    const { layout } = await scanAll(path, TWO_THREADS);
    writeFileSync(path, mixedPayroll(400).replace('\nE200,', '\nE200x,'));
    const read = await openChosenRows(
      path,
      TWO_THREADS,
      layout!,
      () => true,
      () => new Error('changed'),
    );
    await expect(
      (async () => {
        for await (const batch of read.batches) void batch;
      })(),
    ).rejects.toThrow('changed');
  });
});

describe('the built CLI on two threads', () => {
  const twoThreads = { PAYOUT_PARALLEL_FROM_BYTES: '0' };

  it('writes the same output as one thread, and exits', async () => {
    const input = write('cli.csv', mixedPayroll(300));
    const one = await runCli(['run', input, '--dry-run', '--out', join(dir, 'one.csv')], {
      env: { PAYOUT_PARALLEL_FROM_BYTES: String(Number.MAX_SAFE_INTEGER) },
    });
    const two = await runCli(['run', input, '--dry-run', '--out', join(dir, 'two.csv')], { env: twoThreads });
    expect(two.code).toBe(one.code);
    expect(readFileSync(join(dir, 'two.csv'), 'utf8')).toBe(readFileSync(join(dir, 'one.csv'), 'utf8'));
  });

  it('exits at once, worker and all, when the checkpoint cannot be read (the scan opened early is let go)', async () => {
    const input = write('damaged-checkpoint.csv', mixedPayroll(300));
    const checkpoint = join(dir, 'damaged.checkpoint.jsonl');
    writeFileSync(checkpoint, 'not a journal\n');
    const started = Date.now();
    const result = await runCli(['run', input, '--dry-run', '--checkpoint', checkpoint], {
      env: twoThreads,
      timeoutMs: 15_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/checkpoint/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
