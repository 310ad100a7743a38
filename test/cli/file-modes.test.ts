/**
 * Every file the tool creates names people, addresses and amounts: owner-only (0600), even
 * under a umask that would let anyone read them (the mode is set explicitly, not left to umask).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { finished, sleep } from '../chaos/harness.js';
import { CLI, tempDir, writePayroll } from '../helpers/payroll.js';

const KEY = 'file-modes-key-0a9e';
let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir('payout-modes-');
  sandbox = await startSandbox({ intervalMs: 50, apiKey: KEY, latencyMs: [100, 100] });
});
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI under `umask 000`, so only an explicit mode keeps a file private. */
function spawnWithOpenUmask(args: string[]): ChildProcess {
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, ...args], {
    env: { ...process.env, CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: `${dir}/state` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return child;
}

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every file and folder under `root` (not root itself). */
function* walk(root: string): Generator<string> {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    yield path;
    if (entry.isDirectory()) yield* walk(path);
  }
}

describe('files are created owner-only (0600) under umask 000', () => {
  it('journal, output, log, and the lock while the run holds it', async () => {
    const input = writePayroll(dir, 3);
    const child = spawnWithOpenUmask([
      'run',
      input,
      '--base-url',
      sandbox.url,
      '--interval',
      '50',
      '--margin',
      '100',
      '--yes',
    ]);
    const exit = finished(child);
    const lock = input.replace(/\.csv$/, '.checkpoint.jsonl.lock');
    let lockMode: string | undefined;
    const deadline = Date.now() + 10_000;
    while (lockMode === undefined && child.exitCode === null && Date.now() < deadline) {
      if (existsSync(lock)) lockMode = modeOf(lock);
      else await sleep(1);
    }
    expect((await exit).code).toBe(0);
    expect(lockMode).toBe('600');
    expect(modeOf(input.replace(/\.csv$/, '.checkpoint.jsonl'))).toBe('600');
    expect(modeOf(input.replace(/\.csv$/, '.results.csv'))).toBe('600');
    expect(modeOf(input.replace(/\.csv$/, '.results.log.jsonl'))).toBe('600');
    // And whatever else it writes (the manifest, the payment history and its folder): owner-only too.
    const created = [...walk(dir)].filter((path) => path !== input);
    expect(created.length).toBeGreaterThanOrEqual(4);
    for (const path of created)
      expect([path, modeOf(path)]).toEqual([path, statSync(path).isDirectory() ? '700' : '600']);
  });

  it('the output of a dry run, and its log', async () => {
    const input = writePayroll(dir, 1);
    const result = await finished(spawnWithOpenUmask(['run', input, '--dry-run']));
    expect(result.code).toBe(0);
    expect(modeOf(input.replace(/\.csv$/, '.results.csv'))).toBe('600');
    expect(modeOf(input.replace(/\.csv$/, '.results.log.jsonl'))).toBe('600');
  });

  it('an output given with --out, and the log beside it', async () => {
    const input = writePayroll(dir, 1);
    const out = `${dir}/elsewhere.csv`;
    const result = await finished(spawnWithOpenUmask(['run', input, '--out', out, '--dry-run']));
    expect(result.code).toBe(0);
    expect(modeOf(out)).toBe('600');
    expect(modeOf(`${dir}/elsewhere.log.jsonl`)).toBe('600');
  });
});
