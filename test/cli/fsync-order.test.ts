/**
 * Money-safety rule 1, checked without strace: the intent to send a row is written and fsynced,
 * in the checkpoint and in the machine's outbox, before its request leaves. The built CLI runs
 * with a preload that logs each write and fsync as it happens (test/helpers/fsync-recorder.mjs);
 * it pays through a relay in this process that reads the log the moment each request arrives,
 * then passes the request on to the sandbox.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BALANCE_PATH, CREATE_PATH } from '../../src/sandbox/server.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { finished } from '../chaos/harness.js';
import { CLI, ROOT, tempDir, writePayroll } from '../helpers/payroll.js';

const KEY = 'fsync-order-key-31c7';
const RECORDER = join(ROOT, 'test', 'helpers', 'fsync-recorder.mjs');

interface Note {
  op: 'write' | 'fsync';
  path: string;
  kind?: string;
}

/** What one file looked like when a request arrived: its last line's type, whether it was fsynced after, and its intents. */
interface FileAtArrival {
  last: string | undefined;
  fsyncedAfter: boolean;
  intents: number;
}

function atArrival(notes: Note[], isFile: (path: string) => boolean): FileAtArrival {
  const mine = notes.filter((n) => isFile(n.path));
  const lastWrite = mine.findLastIndex((n) => n.op === 'write');
  return {
    last: mine[lastWrite]?.kind,
    fsyncedAfter: lastWrite >= 0 && mine.slice(lastWrite + 1).some((n) => n.op === 'fsync'),
    intents: mine.filter((n) => n.op === 'write' && n.kind === 'intent').length,
  };
}

let dir: string;
let sandbox: Sandbox;
let relay: Server;
beforeEach(async () => {
  dir = tempDir('payout-fsync-order-');
  sandbox = await startSandbox({ intervalMs: 50, apiKey: KEY });
});
afterEach(async () => {
  await new Promise<void>((resolve) => relay.close(() => resolve()));
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A relay to the sandbox that, as each request arrives, notes what the log says of both files. */
async function startRelay(log: string, checkpoint: string) {
  const seen: Array<{ path: string; checkpoint: FileAtArrival; outbox: FileAtArrival }> = [];
  const target = new URL(sandbox.url);
  relay = createServer((req, res) => {
    const notes = existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Note)
      : [];
    seen.push({
      path: new URL(req.url ?? '/', 'http://relay').pathname,
      checkpoint: atArrival(notes, (path) => path === checkpoint),
      outbox: atArrival(notes, (path) => path.endsWith('/outbox.jsonl')),
    });
    const onward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`, seen };
}

it('each intent is on disk, in the checkpoint and in the outbox, before its request arrives', async () => {
  const rows = 3;
  const input = writePayroll(dir, rows);
  const checkpoint = input.replace(/\.csv$/, '.checkpoint.jsonl');
  const log = join(dir, 'fsync.log');
  const { url, seen } = await startRelay(log, checkpoint);
  const child = spawn(
    process.execPath,
    ['--import', RECORDER, CLI, 'run', input, '--base-url', url, '--interval', '50', '--margin', '100', '--yes'],
    {
      env: {
        ...process.env,
        CRYPTOCLOUD_API_KEY: KEY,
        PAYOUT_STATE_DIR: join(dir, 'state'),
        FSYNC_LOG: log,
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const result = await finished(child);
  clearTimeout(timer);
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  expect(sandbox.ledger().filter((entry) => entry.processed)).toHaveLength(rows);

  // The recorder saw the files at all (else every check below would be vacuous).
  const notes = readFileSync(log, 'utf8');
  expect(notes).toContain(JSON.stringify(checkpoint));
  expect(notes).toContain('/outbox.jsonl');

  const payouts = seen.filter((s) => s.path === CREATE_PATH);
  expect(payouts).toHaveLength(rows);
  payouts.forEach((arrival, i) => {
    const onDisk = { last: 'intent', fsyncedAfter: true, intents: i + 1 };
    expect(arrival).toEqual({ path: CREATE_PATH, checkpoint: onDisk, outbox: onDisk });
  });
  // Any other request (the balance query) counts for the pace: noted and fsynced before it left.
  for (const other of seen.filter((s) => s.path !== CREATE_PATH)) {
    expect(other.path).toBe(BALANCE_PATH);
    expect(other.checkpoint).toMatchObject({ last: 'request', fsyncedAfter: true });
    expect(other.outbox).toMatchObject({ last: 'request', fsyncedAfter: true });
  }
}, 40_000);
