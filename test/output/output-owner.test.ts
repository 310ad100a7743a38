/**
 * The record of a run (the manifest beside the output) and output ownership: an output that
 * belongs to another input or run, or was edited since payout wrote it, is never overwritten.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { recordableUrl, type Manifest } from '../../src/output/manifest.js';
import type { CommandDeps, RunOptions } from '../../src/commands/options.js';
import { OutputOwner } from '../../src/output/output-owner.js';
import { resolvePaths } from '../../src/output/paths.js';
import type { ScanSummary } from '../../src/scan/scan.js';
import { StatusTally } from '../../src/output/tally.js';
import type { ProgressReporter, RowEvent } from '../../src/pay/progress.js';
import { resolve } from '../../src/commands/resolve.js';
import { run, type Connect } from '../../src/commands/run.js';
import { status } from '../../src/commands/status.js';
import { EXIT } from '../../src/core/errors.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ADDRESS, ROOT, tempDir, writePayroll } from '../helpers/payroll.js';
import { keyLeaks } from '../helpers/key-leaks.js';
import { cliLogger, connectOverHttp, runOptions } from '../helpers/run.js';

const KEY = 'owner-test-key-5d2e8a';
const INTERVAL = 50;

let dir: string;
let sandbox: Sandbox | undefined;
let logged: string[];

beforeEach(() => {
  dir = tempDir();
  sandbox = undefined;
});
afterEach(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(input: string, extra: Partial<RunOptions> = {}): RunOptions {
  return runOptions({
    input,
    baseUrl: sandbox?.url ?? 'http://127.0.0.1:1',
    intervalMs: INTERVAL,
    marginMs: 50,
    timeoutMs: 2000,
    apiKey: KEY,
    historyDir: join(dir, 'history'),
    ...extra,
  });
}

const dry = (input: string, extra: Partial<RunOptions> = {}): RunOptions => options(input, { dryRun: true, ...extra });

function deps(extra: Partial<CommandDeps> = {}): CommandDeps {
  logged = [];
  return {
    logger: createLogger({ console: { write: (text) => logged.push(text) } }),
    print: () => {},
    stop: new AbortController().signal,
    ...extra,
  };
}

const connect: Connect = connectOverHttp;

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const outOf = (input: string): string => input.replace(/\.csv$/, '.results.csv');
const manifestOf = (input: string): string => input.replace(/\.csv$/, '.results.manifest.json');
const readManifest = (input: string): Manifest => JSON.parse(readFileSync(manifestOf(input), 'utf8')) as Manifest;
const statuses = (input: string): string[] =>
  (parse(readFileSync(outOf(input)), { columns: true }) as Array<Record<string, string>>).map((r) => r.status ?? '');

/** The manifest names the output file as it is on disk now. */
function expectInStep(input: string): Manifest {
  const manifest = readManifest(input);
  expect(manifest.output.sha256).toBe(sha256(outOf(input)));
  return manifest;
}

describe('the manifest', () => {
  it('a dry run records tool, input, output, times, exit code, counts and totals, owner-only, written atomically', async () => {
    const input = join(dir, 'p.csv');
    writeFileSync(
      input,
      `currency_code,to_address,amount\nUSDT_TRC20,${ADDRESS.tron},150\nUSDT_TRC20,${ADDRESS.tron},0.5\nBTC,nope,1\n`,
    );
    const before = Date.now();
    const summary = await run(dry(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.someFailed);

    const manifest = readManifest(input);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      tool: { name: pkg.name, version: pkg.version },
      mode: 'dry-run',
      input: { path: input, sha256: sha256(input), bytes: statSync(input).size },
      output: {
        path: outOf(input),
        sha256: sha256(outOf(input)),
        bytes: statSync(outOf(input)).size,
        previousSha256: null,
      },
      checkpoint: { path: input.replace(/\.csv$/, '.checkpoint.jsonl'), createdAt: null },
      baseUrl: 'http://127.0.0.1:1',
      exitCode: 1,
      counts: { valid: 2, invalid: 1, paid: 0, failed: 0, unknown: 0, pending: 0 },
      totals: { valid: [{ currency: 'USDT_TRC20', count: 2, total: '150.5' }] },
    });
    expect(Date.parse(manifest.startedAt ?? '')).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(manifest.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt ?? ''));
    expect(statSync(manifestOf(input)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a run records the API without the key, its exit code and the paid totals, and keeps in step after every payment', async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    const input = writePayroll(dir, 4);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    // A refresh that refused the output its own previous refresh wrote would say so here.
    expect(logged.join('')).not.toMatch(/could not refresh|not written by payout/);
    const manifest = expectInStep(input);
    expect(manifest).toMatchObject({
      mode: 'run',
      baseUrl: sandbox.url.replace(/\/$/, ''),
      exitCode: 0,
      counts: { paid: 4 },
      totals: { paid: [{ currency: 'USDT_TRC20', count: 4, total: '4.00001' }] },
    });
    expect(manifest.checkpoint.createdAt).toMatch(/^\d{4}-/);
  });

  it('an API that echoes the key in its answers: the manifest, the output and every other file the run wrote are without it', async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    sandbox.injectFaults([
      { kind: 'echo_key', spelling: 'raw', pad: 160 },
      { kind: 'echo_key', spelling: 'base64' },
    ]);
    const input = writePayroll(dir, 3);
    const { logger, console } = cliLogger(join(dir, 'payout.log.jsonl'), KEY);
    const summary = await run(options(input), { ...deps(), logger }, connect);
    await closeLogger(logger);
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(readManifest(input)).toMatchObject({ counts: { paid: 1, failed: 2 } });
    expect(statuses(input)).toEqual(['failed', 'failed', 'paid']);
    expect(keyLeaks(KEY, { texts: { stderr: console.join('') }, dirs: [dir] })).toEqual([]);
  });

  it('records a base URL without user, password, query or the key', () => {
    expect(recordableUrl(`https://u:${KEY}@api.example.com/v2?token=${KEY}#x`, [KEY])).toBe(
      'https://api.example.com/v2',
    );
    expect(recordableUrl(`https://api.example.com/${KEY}`, [KEY])).toBe('https://api.example.com/[redacted]');
    expect(recordableUrl('https://api.cryptocloud.plus')).toBe('https://api.cryptocloud.plus');
  });

  it('the send loop reports to the progress reporter the CLI chose', async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    sandbox.injectFaults([{ kind: 'reject', key: 'network' }]);
    const input = writePayroll(dir, 2);
    const calls: string[] = [];
    const progress: ProgressReporter = {
      start: (total) => calls.push(`start ${total}`),
      sending: (row) => calls.push(`sending ${row}`),
      row: (e: RowEvent) => calls.push(`row ${e.rowNumber} ${e.outcome} ${e.done}/${e.total}`),
      stop: () => calls.push('stop'),
    };
    await run(options(input), deps({ progress }), connect);
    expect(calls).toEqual(['start 2', 'sending 1', 'row 1 failed 1/2', 'sending 2', 'row 2 paid 2/2', 'stop']);
  });
});

describe('output ownership', () => {
  it('a dry run of another file with the same --out is refused (exit 2), and the first output is untouched', async () => {
    const a = writePayroll(dir, 2, 'a.csv');
    const b = writePayroll(dir, 3, 'b.csv');
    const out = join(dir, 'shared.csv');
    await run(dry(a, { out }), deps(), connect);
    const output = readFileSync(out, 'utf8');
    const manifest = readFileSync(join(dir, 'shared.manifest.json'), 'utf8');

    await expect(run(dry(b, { out }), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(
        /shared\.csv exists and was not written by payout for this input \(it is the output of another input, .*a\.csv\); move it away or give --out FILE/,
      ),
    });
    expect(readFileSync(out, 'utf8')).toBe(output);
    expect(readFileSync(join(dir, 'shared.manifest.json'), 'utf8')).toBe(manifest);
  });

  it('an output edited by hand is refused before anything is sent', async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    const input = writePayroll(dir, 2);
    await run(dry(input), deps(), connect);
    const edited = `${readFileSync(outOf(input), 'utf8')}note,,,,,,,\n`;
    writeFileSync(outOf(input), edited);

    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/it was changed after payout wrote it/),
    });
    expect(sandbox.ledger()).toHaveLength(0);
    expect(existsSync(input.replace(/\.csv$/, '.checkpoint.jsonl'))).toBe(false);
    await expect(run(dry(input), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
    expect(readFileSync(outOf(input), 'utf8')).toBe(edited);
  });

  describe('the old output hashed early, while the run scans', () => {
    /** An output payout wrote (a dry run), last modified an hour ago, and an owner that hashed it early. */
    async function earlyOwner() {
      const input = writePayroll(dir, 3);
      await run(dry(input), deps(), connect);
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(outOf(input), hourAgo, hourAgo);
      const paths = { ...resolvePaths(input), manifest: manifestOf(input) };
      const owner = new OutputOwner({ paths, command: 'dry-run' });
      owner.hashCurrentEarly();
      await owner.earlyHashSettled();
      const summary = { sha256: sha256(input), bytes: statSync(input).size } as unknown as ScanSummary;
      const commit = () =>
        owner.committer(undefined).beforeRename({
          tempPath: '',
          output: { sha256: 'a'.repeat(64), bytes: 1 },
          summary,
          tally: new StatusTally(),
        });
      return { input, commit };
    }

    it('accepts an output not changed since, with the hash it had', async () => {
      const { input, commit } = await earlyOwner();
      const before = sha256(outOf(input));
      await commit();
      expect(readManifest(input).output.previousSha256).toBe(before);
    });

    it('is not trusted for an output edited after it (same size): the edit is seen and refused', async () => {
      const { input, commit } = await earlyOwner();
      const text = readFileSync(outOf(input), 'utf8');
      writeFileSync(outOf(input), text.replace('E1', 'X1'));
      expect(statSync(outOf(input)).size).toBe(Buffer.byteLength(text));
      await expect(commit()).rejects.toThrow(/it was changed after payout wrote it/);
    });
  });

  it('an output without a manifest is refused', async () => {
    const input = writePayroll(dir, 1);
    writeFileSync(outOf(input), 'someone else,s file\n');
    await expect(run(dry(input), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/there is no manifest/),
    });
    expect(readFileSync(outOf(input), 'utf8')).toBe('someone else,s file\n');
  });

  it('the same file fixed and saved again after a dry run is not refused', async () => {
    const input = writePayroll(dir, 2);
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000002', '"1,000.02"'));
    expect((await run(dry(input), deps(), connect)).exitCode).toBe(EXIT.someFailed);
    writeFileSync(input, readFileSync(input, 'utf8').replace('"1,000.02"', '1000.02'));
    expect((await run(dry(input), deps(), connect)).exitCode).toBe(EXIT.ok);
    expect(expectInStep(input).input.sha256).toBe(sha256(input));
  });

  it("an output holding another checkpoint's payments is never replaced, not even when the checkpoint is gone", async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    const input = writePayroll(dir, 2);
    await run(options(input), deps(), connect);
    const paid = readFileSync(outOf(input), 'utf8');
    rmSync(input.replace(/\.csv$/, '.checkpoint.jsonl'));

    await expect(run(dry(input), deps(), connect)).rejects.toMatchObject({
      message: expect.stringMatching(/payments of another checkpoint/),
    });
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
    expect(sandbox.ledger()).toHaveLength(2);
    expect(readFileSync(outOf(input), 'utf8')).toBe(paid);
  });

  it('accepts the output a crash left between writing the manifest and renaming the output', async () => {
    const input = writePayroll(dir, 2);
    await run(dry(input), deps(), connect);
    const manifest = readManifest(input);
    // As if the next write had recorded its hash and died before its rename.
    writeFileSync(
      manifestOf(input),
      JSON.stringify({
        ...manifest,
        output: { ...manifest.output, sha256: 'f'.repeat(64), previousSha256: manifest.output.sha256 },
      }),
    );
    expect((await run(dry(input), deps(), connect)).exitCode).toBe(EXIT.ok);
    // Neither hash: refused.
    writeFileSync(
      manifestOf(input),
      JSON.stringify({
        ...manifest,
        output: { ...manifest.output, sha256: 'f'.repeat(64), previousSha256: 'e'.repeat(64) },
      }),
    );
    await expect(run(dry(input), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
  });

  it('a run, resume, status, resolve and run cycle is never refused, and the manifest follows every write', async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    const input = writePayroll(dir, 3);
    expect((await run(dry(input), deps(), connect)).exitCode).toBe(EXIT.ok);
    expect((await run(options(input), deps(), connect)).exitCode).toBe(EXIT.incomplete);
    const afterRun = expectInStep(input);
    expect(afterRun).toMatchObject({ mode: 'run', exitCode: 3, counts: { unknown: 1, paid: 2 } });

    expect((await run(options(input), deps(), connect)).exitCode).toBe(EXIT.incomplete);
    const report = await status({ input }, deps());
    expect(report.outputRefreshed).toBe(true);
    expect(expectInStep(input)).toMatchObject({ updatedBy: { command: 'status' }, exitCode: 3 });

    const invoice = sandbox.ledger()[0]?.invoiceId ?? 'INV-MISSING';
    await resolve({ input, row: 1, invoiceId: invoice }, deps());
    expect(expectInStep(input)).toMatchObject({ updatedBy: { command: 'resolve' }, counts: { paid: 3, unknown: 0 } });

    expect((await run(options(input), deps(), connect)).exitCode).toBe(EXIT.ok);
    const last = expectInStep(input);
    expect(last).toMatchObject({ mode: 'run', exitCode: 0, counts: { paid: 3 } });
    expect(last.updatedBy).toBeUndefined();
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('an output edited during a run is not overwritten; the run pays on and ends incomplete (exit 3)', async () => {
    // A pause between rows long enough for the edit to land outside any refresh: a refresh
    // checks ownership and then renames, and an edit within those few milliseconds is lost.
    const slow = 600;
    sandbox = await startSandbox({ intervalMs: slow, apiKey: KEY, latencyMs: [120, 120] });
    const input = writePayroll(dir, 3);
    const running = run(options(input, { intervalMs: slow }), deps(), connect);
    // Once the output shows the first payment (its refresh is done), edit it.
    while (!existsSync(outOf(input)) || statuses(input)[0] !== 'paid') await new Promise((r) => setTimeout(r, 5));
    const edited = `${readFileSync(outOf(input), 'utf8')}edited by hand\n`;
    writeFileSync(outOf(input), edited);

    await expect(running).rejects.toMatchObject({
      exitCode: EXIT.incomplete,
      message: expect.stringMatching(/was changed during the run, so it was not overwritten/),
    });
    expect(sandbox.ledger().map((e) => e.response)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(readFileSync(outOf(input), 'utf8')).toBe(edited);
    expect(logged.join('')).toMatch(/could not refresh the output CSV: .*changed after payout wrote it/);
    expect(readManifest(input).exitCode).toBe(3);
  });

  it("status leaves an output that is not payout's own alone, and still reports (exit 0)", async () => {
    sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    const input = writePayroll(dir, 2);
    await run(options(input), deps(), connect);
    writeFileSync(outOf(input), 'mine now\n');
    const report = await status({ input }, deps());
    expect(report).toMatchObject({ outputRefreshed: false, counts: { paid: 2 } });
    expect(readFileSync(outOf(input), 'utf8')).toBe('mine now\n');
    expect(logged.join('')).toMatch(/not bringing .* up to date/);
  });
});
