/**
 * The API key echoed back by the API, as real APIs and proxies do in error bodies: spelled as
 * typed, JSON-escaped (`\/`, `\u00XX`), URL-encoded, in hex and in base64, past any cut of a
 * message. The built CLI runs with its real sinks (stderr, the log file, the checkpoint, the
 * outbox, the output CSV, the manifest) against the sandbox in its own process; afterwards no
 * file it wrote, nor its output, holds the key in any of those spellings.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesUnder, keyLeaks } from '../helpers/key-leaks.js';
import { CLI } from '../helpers/payroll.js';
import { killAllChildren, runCliProcess, startSandboxProcess, writePayroll, type SandboxProcess } from './harness.js';

const KEY = 'echo-KEY/9f8+Zq_s3cret-77aa';
const SPELLINGS = ['raw', 'json_escaped', 'url_encoded', 'hex', 'base64'] as const;

let dir: string;
let sandbox: SandboxProcess;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payout-key-echo-'));
  sandbox = await startSandboxProcess({ cli: CLI, ledgerFile: join(dir, 'ledger.jsonl'), intervalMs: 50 });
});
afterEach(async () => {
  killAllChildren();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

it('an API that echoes the key in any spelling, past any cut: no file the run wrote, nor its output, holds it', async () => {
  // Each spelling whole, and cut: a message is shortened to one cell (about 200 characters), and
  // these pads put the cut at every place inside the echoed key.
  const faults = SPELLINGS.flatMap((spelling) =>
    [0, ...Array.from({ length: 12 }, (_, i) => 100 + i * 8)].map((pad) => ({ kind: 'echo_key', spelling, pad })),
  );
  const input = writePayroll(mkdtempSync(join(dir, 'payroll-')), faults.length);
  await sandbox.injectFaults(faults);
  const result = await runCliProcess(
    CLI,
    ['run', input, '--base-url', sandbox.url, '--interval', '50', '--margin', '50', '--yes', '--verbose'],
    { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') },
  );
  // Every row was refused before processing, each answer echoing the key.
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/header Authorization: Token \[redacted\]/);
  expect(sandbox.ledger().filter((e) => e.fault?.startsWith('echo_key'))).toHaveLength(faults.length);
  const written = filesUnder(dir).filter((file) => !file.endsWith('ledger.jsonl'));
  expect(written.some((file) => file.endsWith('.log.jsonl'))).toBe(true);
  expect(written.some((file) => file.endsWith('outbox.jsonl'))).toBe(true);
  expect(
    keyLeaks(KEY, {
      texts: { stdout: result.stdout, stderr: result.stderr },
      dirs: [dir],
      skip: (file) => file.endsWith('ledger.jsonl'),
    }),
  ).toEqual([]);
}, 60_000);
