/**
 * The order of the system calls that make a payment safe, read from `strace` of a real run:
 * the lock and the journal are created and their directory fsynced before any request; every
 * request's intent is written and fsynced before its connection is opened. Skipped where strace
 * is missing or not permitted: the rule itself (the intent fsynced in the checkpoint and the
 * outbox before the request arrives) is checked everywhere, without strace, by fsync-order.test.ts.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { finished } from '../chaos/harness.js';
import { CLI, tempDir, writePayroll } from '../helpers/payroll.js';

const KEY = 'durability-key-8d2b';
const straceWorks = spawnSync('strace', ['-qq', '-e', 'trace=none', process.execPath, '-e', '0']).status === 0;
const itWithStrace = straceWorks ? it : it.skip;

let dir: string;
let sandbox: Sandbox;
beforeEach(async () => {
  dir = tempDir('payout-durability-');
  sandbox = await startSandbox({ intervalMs: 50, apiKey: KEY });
});
afterEach(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

type Event =
  | { kind: 'lock-created' }
  | { kind: 'journal-created' }
  | { kind: 'dir-fsync' }
  | { kind: 'journal-write'; entry: string }
  | { kind: 'journal-fsync' }
  | { kind: 'connect' };

/** The main thread's relevant calls, in order, from its `strace -ff` log (one file per thread: no interleaving). */
function eventsOf(trace: string, checkpoint: string, port: number): Event[] {
  const lines = trace.split('\n');
  const events: Event[] = [];
  let journalFd: string | undefined;
  const dirFds = new Set<string>();
  for (const line of lines) {
    const m = /^(\w+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, call, rest = ''] = m;
    const result = /= (-?\d+)/.exec(rest.slice(rest.lastIndexOf(')')))?.[1];
    if (call === 'link' && rest.includes(`"${checkpoint}.lock")`) && result === '0')
      events.push({ kind: 'lock-created' });
    if (
      call === 'openat' &&
      rest.includes(`"${checkpoint}"`) &&
      rest.includes('O_CREAT') &&
      result &&
      result !== '-1'
    ) {
      journalFd = result;
      events.push({ kind: 'journal-created' });
    }
    if (call === 'openat' && rest.includes(`"${dirname(checkpoint)}", O_RDONLY`) && result) dirFds.add(result);
    if (call === 'fsync') {
      const fd = rest.split(')')[0];
      if (fd === journalFd) events.push({ kind: 'journal-fsync' });
      else if (fd && dirFds.has(fd)) {
        dirFds.delete(fd);
        events.push({ kind: 'dir-fsync' });
      }
    }
    if (call === 'write' && journalFd && rest.startsWith(`${journalFd}, `)) {
      events.push({ kind: 'journal-write', entry: /\\"type\\":\\"(\w+)\\"/.exec(rest)?.[1] ?? '?' });
    }
    if (call === 'connect' && rest.includes(`htons(${port})`)) events.push({ kind: 'connect' });
  }
  return events;
}

itWithStrace(
  'lock and journal are durable (their directory fsynced) and each intent is fsynced before its request leaves',
  async () => {
    const input = writePayroll(dir, 3);
    const checkpoint = input.replace(/\.csv$/, '.checkpoint.jsonl');
    const tracePrefix = join(dir, 'strace');
    const port = Number(new URL(sandbox.url).port);
    const traced = ['-ff', '-qq', '-s', '64', '-e', 'trace=openat,link,fsync,write,connect', '-o', tracePrefix];
    const run = ['run', input, '--base-url', sandbox.url, '--interval', '50', '--margin', '100', '--yes'];
    // Asynchronous: the sandbox answers from this process's event loop.
    const child = spawn('strace', [...traced, process.execPath, CLI, ...run], {
      env: { ...process.env, CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state'), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const result = await finished(child);
    clearTimeout(timer);
    expect(result.code).toBe(0);

    // The main thread is the traced process's first: the lowest id.
    const [mainThread] = readdirSync(dir)
      .filter((name) => name.startsWith('strace.'))
      .map((name) => Number(name.slice('strace.'.length)))
      .sort((a, b) => a - b);
    const events = eventsOf(readFileSync(`${tracePrefix}.${mainThread}`, 'utf8'), checkpoint, port);
    const kinds = events.map((e) => (e.kind === 'journal-write' ? `write:${e.entry}` : e.kind));
    const firstConnect = kinds.indexOf('connect');
    expect(firstConnect).toBeGreaterThan(0);
    // The lock, then its directory; the journal, its header fsynced, then its directory; all before any request.
    const lock = kinds.indexOf('lock-created');
    const journal = kinds.indexOf('journal-created');
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(journal).toBeGreaterThan(lock);
    expect(kinds.slice(lock, journal)).toContain('dir-fsync');
    expect(kinds.slice(journal, journal + 4)).toEqual([
      'journal-created',
      'write:header',
      'journal-fsync',
      'dir-fsync',
    ]);
    expect(firstConnect).toBeGreaterThan(journal + 4);
    // Every request (a payout's intent, or another request such as a balance query, which counts
    // for the gap): the journal's last word before its connection is the request, fsynced.
    const connects = kinds.flatMap((k, i) => (k === 'connect' ? [i] : []));
    expect(kinds.filter((k) => k === 'write:intent')).toHaveLength(3);
    expect(connects.length).toBeGreaterThanOrEqual(3);
    for (const at of connects) {
      const before = kinds.slice(0, at).filter((k) => k.startsWith('write:') || k === 'journal-fsync');
      expect(before.slice(-2)).toEqual([expect.stringMatching(/^write:(intent|request)$/), 'journal-fsync']);
    }
  },
  40_000,
);
