/**
 * `payout status` takes the checkpoint's lock before it reads the checkpoint: a run that holds
 * the lock when status starts and ends while status reads must not have its output rewritten
 * from the older states status read.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandDeps } from '../../src/commands/options.js';
import { run } from '../../src/commands/run.js';
import { status } from '../../src/commands/status.js';
import { EXIT } from '../../src/core/errors.js';
import { tryLockFile } from '../../src/journal/lock.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { tempDir, writePayroll } from '../helpers/payroll.js';
import { connectOverHttp, runOptions } from '../helpers/run.js';

const KEY = 'status-lock-key-41d2';
let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir();
  sandbox = await startSandbox({ intervalMs: 20, apiKey: KEY });
});
afterEach(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(): CommandDeps {
  const logger = createLogger({ console: { write: () => {} } });
  return { logger, print: () => {}, stop: new AbortController().signal };
}

it('leaves the output alone when a run holds the lock as it starts, even if the run ends before the checkpoint is read', async () => {
  const input = writePayroll(dir, 2);
  const summary = await run(
    runOptions({ input, baseUrl: sandbox.url, intervalMs: 20, apiKey: KEY, historyDir: join(dir, 'state') }),
    deps(),
    connectOverHttp,
  );
  expect(summary.exitCode).toBe(EXIT.ok);
  const output = summary.paths.out;
  const before = readFileSync(output);

  // "The run" holds the lock when status starts, and lets go in the same tick, before status has read anything.
  const held = tryLockFile(`${summary.paths.checkpoint}.lock`);
  if (!('release' in held)) throw new Error('the test could not take the lock');
  const reading = status({ input, json: true }, deps());
  held.release();
  const report = await reading;

  expect(report.outputRefreshed).toBe(false);
  expect(readFileSync(output).equals(before)).toBe(true);
  // Free from the start, status does bring the output up to date.
  expect((await status({ input, json: true }, deps())).outputRefreshed).toBe(true);
});
