/**
 * The scan of a large file on two threads (a worker parses and validates most segments) must
 * give exactly what one thread gives: the same rows, numbers, verdicts, repeats, totals and
 * digest, and the same error, worded the same, for a file that is refused. Small sizes force the
 * two-thread path on small files.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { openScan, type ScanOptions } from '../../src/commands/scan.js';
import { ADDRESS, tempDir } from '../helpers/payroll.js';

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
  const { header, totals, ...summary } = scan.summary();
  return { rows, summary: { ...summary, totals: totals.entries(), columns: header.columns } };
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
    else if (kind === 2) lines.push(`E${i},"say ""hi""",USDT_TRC20,${ADDRESS.tron},7`); // repeats: same address and amount
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
  });

  it('gives the same for a file without a line break at its end, and for larger segments', async () => {
    const path = write('no-eol.csv', mixedPayroll(200).replace(/\n$/, ''));
    const one = await scanAll(path, ONE_THREAD);
    expect(await scanAll(path, TWO_THREADS)).toEqual(one);
    expect(await scanAll(path, { parallel: { fromBytes: 0, segmentBytes: 2000, chunkBytes: 999 } })).toEqual(one);
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
