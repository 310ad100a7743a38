/**
 * The built CLI: plain progress lines off a terminal, the manifest, output ownership's exit code,
 * and `status --json` for scripts.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

const KEY = 'record-test-key-3c9f';
let dir: string;
let sandbox: Sandbox | undefined;

beforeEach(() => {
  dir = tempDir();
  sandbox = undefined;
});
afterEach(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('payout run', () => {
  it('off a terminal: one plain line per row, no colour codes, and the manifest beside the output', async () => {
    const input = writePayroll(dir, 2);
    const result = await runCli([
      'run',
      input,
      '--sandbox',
      '--interval',
      '50',
      '--margin',
      '50',
      '--yes',
      '--no-balance-check',
    ]);
    expect(result.code).toBe(0);
    const rowLines = result.stderr.split('\n').filter((l) => /^\[\d\/2\]/.test(l));
    expect(rowLines).toEqual([
      expect.stringMatching(/^\[1\/2\] row 1: 1\.000001 USDT_TRC20 → TR7NHqje…gjLj6t: paid INV-\S+ · ETA \d+s$/),
      expect.stringMatching(/^\[2\/2\] row 2: 1\.000002 USDT_TRC20 → TR7NHqje…gjLj6t: paid INV-\S+$/),
    ]);
    expect(result.stderr).not.toContain('\x1b[');
    expect(result.stdout).toContain(`Manifest: ${join(dir, 'payroll.results.manifest.json')}`);
    const manifest = JSON.parse(readFileSync(join(dir, 'payroll.results.manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ mode: 'run', baseUrl: 'sandbox', exitCode: 0, counts: { paid: 2 } });
  });

  it('refuses (exit 2) to overwrite the output of another input', async () => {
    const a = writePayroll(dir, 1, 'a.csv');
    const b = writePayroll(dir, 2, 'b.csv');
    const out = join(dir, 'out.csv');
    expect((await runCli(['run', a, '--dry-run', '--out', out])).code).toBe(0);
    const before = readFileSync(out, 'utf8');
    const result = await runCli(['run', b, '--dry-run', '--out', out]);
    expectExit(
      result,
      2,
      /out\.csv exists and was not written by payout for this input .*; move it away or give --out FILE/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(out, 'utf8')).toBe(before);
  });
});

describe('payout status --json', () => {
  it('prints the counts, totals and unknown rows as JSON, and nothing else, on stdout', async () => {
    sandbox = await startSandbox({ intervalMs: 50, apiKey: KEY });
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    const input = writePayroll(dir, 3);
    const env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
    const paid = await runCli(
      [
        'run',
        input,
        '--base-url',
        sandbox.url,
        '--interval',
        '50',
        '--margin',
        '50',
        '--timeout',
        '2000',
        '--yes',
        '--no-balance-check',
      ],
      { env },
    );
    expectExit(paid, 3, /row 1: .*UNKNOWN: the connection failed before a complete answer came/);

    const result = await runCli(['status', input, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      input,
      checkpoint: join(dir, 'payroll.checkpoint.jsonl'),
      output: join(dir, 'payroll.results.csv'),
      outputRefreshed: true,
      rows: 3,
      counts: { paid: 2, unknown: 1, failed: 0, pending: 0, invalid: 0 },
      totals: {
        paid: [{ currency: 'USDT_TRC20', count: 2, total: '2.000005' }],
        unknown: [{ currency: 'USDT_TRC20', count: 1, total: '1.000001' }],
      },
      unknownRows: [1],
    });
  });

  it('without a checkpoint: exit 2, the message on stderr, stdout empty', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['status', input, '--json']);
    expectExit(result, 2, /no checkpoint/);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'payroll.results.manifest.json'))).toBe(false);
  });
});
