/** Shared set-up for the csv tests: a real temp dir per test, files written into it. */
import { afterEach, beforeEach, expect } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import type { InputRow } from '../../src/core/types.js';
import { openPayroll, type Payroll, type ReadOptions } from '../../src/csv/read.js';

/** Registers beforeEach/afterEach hooks that give each test a fresh temp dir; returns its getter. */
export function useTempDir(): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'payout-csv-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Writes `content` to `name` in `dir` and returns its path. */
export async function writeIn(dir: string, content: string | Uint8Array, name = 'payroll.csv'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Opens a payroll and reads every row. */
export async function readAll(path: string, options?: ReadOptions): Promise<{ payroll: Payroll; rows: InputRow[] }> {
  const payroll = await openPayroll(path, options);
  const rows: InputRow[] = [];
  for await (const row of payroll.rows) rows.push(row);
  return { payroll, rows };
}

/** Reads the file and returns the message of the InputError it must be refused with. */
export async function refusalOf(path: string, options?: ReadOptions): Promise<string> {
  try {
    await readAll(path, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error(`${path} was not refused`);
}
