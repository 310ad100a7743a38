/**
 * A run whose requests never left this machine (a certificate refused, a connection refused, an
 * address routed nowhere) leaves its rows pending, to pay on the next run, after retrying like a
 * refused connection; a request that was written and then lost stays unknown. Real connections;
 * every verdict is checked on the server's side too.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CommandDeps, RunOptions } from '../../src/commands/options.js';
import { run } from '../../src/commands/run.js';
import { NEVER_SENT_RETRIES } from '../../src/pay/next-step.js';
import { EXIT } from '../../src/core/errors.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startRawServer, type RawServer } from '../api/raw-server.js';
import { refusedPort } from '../helpers/refused-port.js';
import { tempDir, writePayroll } from '../helpers/payroll.js';
import { connectOverHttp, runOptions } from '../helpers/run.js';
import { makeCertificate, startTlsFront, type Certificate, type TlsFront } from '../helpers/tls-front.js';

const KEY = 'never-sent-key-4d9b2e7a1c';
const INTERVAL = 100;

let dir: string;
let certificate: Certificate;
let warnings: string[];
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  certificate = makeCertificate(tempDir());
});
beforeEach(() => {
  dir = tempDir();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});
afterAll(() => rmSync(join(certificate.certFile, '..'), { recursive: true, force: true }));

function options(input: string, baseUrl: string, extra: Partial<RunOptions> = {}): RunOptions {
  return runOptions({
    input,
    baseUrl,
    intervalMs: INTERVAL,
    apiKey: KEY,
    balanceCheck: false,
    historyDir: join(dir, 'history'),
    ...extra,
  });
}

function deps(): CommandDeps {
  warnings = [];
  const logger = createLogger({ console: { write: (text) => void warnings.push(text) } });
  return { logger, print: () => undefined, stop: new AbortController().signal };
}

function statuses(input: string): string[] {
  const rows = parse(readFileSync(input.replace(/\.csv$/, '.results.csv')), { columns: true }) as Array<
    Record<string, string>
  >;
  return rows.map((row) => row.status ?? '');
}

async function sandboxBehindSelfSignedTls(): Promise<{ sandbox: Sandbox; front: TlsFront }> {
  const sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
  const front = await startTlsFront(certificate, Number(new URL(sandbox.url).port));
  opened.push(sandbox, front);
  return { sandbox, front };
}

describe('nothing left this machine: the rows stay pending', () => {
  it('a TLS certificate the client refuses (self-signed): retried with growing waits, then stopped; zero requests arrive', async () => {
    const { sandbox, front } = await sandboxBehindSelfSignedTls();
    const input = writePayroll(dir, 2);
    const started = Date.now();
    const summary = await run(options(input, front.url), deps(), connectOverHttp);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(
      /^cannot reach the API \(the secure connection to the API failed: .*certificate.*; nothing was sent\); row 1 and the rest were not sent$/,
    );
    expect(statuses(input)).toEqual(['pending', 'pending']);
    // The first try and its retries, each a connection whose handshake failed; the waits between them grow.
    expect(front.connections()).toBe(1 + NEVER_SENT_RETRIES);
    expect(Date.now() - started).toBeGreaterThanOrEqual(INTERVAL * (1 + 2 + 4) - 20);
    expect(warnings.filter((line) => line.includes('nothing was sent; trying again'))).toHaveLength(NEVER_SENT_RETRIES);
    expect(front.bytesPassed()).toBe(0);
    expect(sandbox.ledger()).toEqual([]);
    // The next run, once the certificate is right (here: the plain sandbox), pays them.
    const paid = await run(options(input, sandbox.url), deps(), connectOverHttp);
    expect(paid.exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger().filter((entry) => entry.processed)).toHaveLength(2);
  });

  it('a refused connection', async () => {
    const input = writePayroll(dir, 1);
    const summary = await run(options(input, `http://127.0.0.1:${await refusedPort()}`), deps(), connectOverHttp);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(/ECONNREFUSED/);
    expect(statuses(input)).toEqual(['pending']);
  });

  it('an address routed nowhere (the IPv6 discard prefix): pending, and the retry waits its turn', async () => {
    const input = writePayroll(dir, 1);
    // Not loopback, so the API's 12 s pace applies: the run is stopped while its first retry waits.
    const stop = new AbortController();
    const logger = createLogger({ console: { write: (text) => void (text.includes('trying again') && stop.abort()) } });
    const summary = await run(
      options(input, 'https://[100::1]', { intervalMs: 12000, marginMs: 250, timeoutMs: 300 }),
      { logger, print: () => undefined, stop: stop.signal },
      connectOverHttp,
    );
    expect(stop.signal.aborted).toBe(true);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(statuses(input)).toEqual(['pending']);
    const outcomes = readFileSync(input.replace(/\.csv$/, '.checkpoint.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"outcome"'));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toContain('"kind":"never_sent"');
  });
});

describe('the request was written', () => {
  it('and the server then dropped the connection: unknown, not pending', async () => {
    const server: RawServer = await startRawServer((_request, _res, req) => req.socket.destroy());
    opened.push(server);
    const input = writePayroll(dir, 1);
    const summary = await run(options(input, server.url), deps(), connectOverHttp);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(statuses(input)).toEqual(['unknown']);
    expect(server.requests).toHaveLength(1);
  });
});
