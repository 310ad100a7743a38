/**
 * The margin's floor against an API beyond this machine: refused before anything is read or
 * sent (exit 2, naming the floor); a loopback API or the sandbox may use any margin.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandDeps } from '../../src/commands/options.js';
import { MIN_REMOTE_MARGIN_MS } from '../../src/commands/options.js';
import { run } from '../../src/commands/run.js';
import { EXIT } from '../../src/core/errors.js';
import { createLogger } from '../../src/log.js';
import { runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { connectOverHttp, runOptions } from '../helpers/run.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deps = (): CommandDeps => ({
  logger: createLogger({ silent: true }),
  print: () => undefined,
  stop: new AbortController().signal,
});
/** An API beyond this machine that no test can reach, should the check ever let a run through (.invalid never resolves). */
const REAL_API = 'https://api.cryptocloud.invalid';

describe('--margin against an API beyond this machine', () => {
  it.each([0, 1, MIN_REMOTE_MARGIN_MS - 1])('%d ms is refused (exit 2), naming the floor', async (marginMs) => {
    const input = writePayroll(dir, 1);
    const refused = run(
      runOptions({
        input,
        baseUrl: REAL_API,
        intervalMs: 12000,
        marginMs,
        apiKey: 'margin-key-1a2b3c4d',
        historyDir: join(dir, 'h'),
      }),
      deps(),
      connectOverHttp,
    );
    await expect(refused).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: `--margin ${marginMs} is below the 250 ms floor for an API beyond this machine: a request's bytes can take that long to reach it after they were written; a smaller margin is only for a loopback --base-url or --sandbox`,
    });
  });

  it('the floor itself is accepted (a dry run, which needs no connection)', async () => {
    const input = writePayroll(dir, 1);
    const summary = await run(
      runOptions({
        input,
        baseUrl: REAL_API,
        intervalMs: 12000,
        marginMs: MIN_REMOTE_MARGIN_MS,
        dryRun: true,
        historyDir: join(dir, 'h'),
      }),
      deps(),
      connectOverHttp,
    );
    expect(summary.exitCode).toBe(EXIT.ok);
  });

  it('a loopback API and the sandbox take any margin', async () => {
    const input = writePayroll(dir, 1);
    for (const extra of [{ baseUrl: 'http://127.0.0.1:9' }, { baseUrl: REAL_API, sandbox: true }]) {
      const summary = await run(
        runOptions({ input, intervalMs: 50, marginMs: 0, dryRun: true, historyDir: join(dir, 'h'), ...extra }),
        deps(),
        connectOverHttp,
      );
      expect(summary.exitCode).toBe(EXIT.ok);
    }
  });

  it('the CLI exits 2 on --margin 0 against a remote API, and sends nothing', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--margin', '0', '--yes', '--timeout', '2000'], {
      env: { CRYPTOCLOUD_API_KEY: 'margin-key-1a2b3c4d', CRYPTOCLOUD_BASE_URL: REAL_API },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--margin 0 is below the 250 ms floor');
    expect(result.stderr).not.toContain('margin-key-1a2b3c4d');
  });
});
