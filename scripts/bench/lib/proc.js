/**
 * Child processes for the benchmark: wall time, exit status, output, and peak RSS.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child) when
 * it is installed; otherwise from polling the child's /proc/<pid>/status VmHWM (its high-water mark).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** Whether GNU time is usable here (it must understand -f and -o). */
export const hasGnuTime = (() => {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
})();

/** How peak RSS is measured, for the report. */
export const rssMethod = hasGnuTime ? '/usr/bin/time -f %M (ru_maxrss)' : 'polling /proc/<pid>/status VmHWM';

/** The peak resident set (VmHWM) of a running process in KB, or undefined once it has gone. */
export function readVmHwmKb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `node args…` to its end and measures it: `{ ms, rssKb, status, tailMs, stdout, stderr }`.
 * `scratch` is a folder for GNU time's report.
 */
export async function runNodeMeasured(args, { cwd, env, scratch }) {
  const report = join(scratch, `time-${process.pid}-${Date.now()}.txt`);
  const [command, argv] = hasGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', report, process.execPath, ...args]]
    : [process.execPath, args];
  const stdout = [];
  const stderr = [];
  const start = performance.now();
  const child = spawn(command, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let lastStdoutAt = start;
  child.stdout.on('data', (chunk) => {
    lastStdoutAt = performance.now();
    stdout.push(chunk);
  });
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  let polledKb = 0;
  const poll = hasGnuTime
    ? undefined
    : setInterval(() => {
        polledKb = Math.max(polledKb, readVmHwmKb(child.pid) ?? 0);
      }, 20);
  const status = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? signal));
  });
  const ms = performance.now() - start;
  if (poll) clearInterval(poll);
  let rssKb = polledKb || undefined;
  if (hasGnuTime) {
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    rssKb = Number(lines[lines.length - 1]);
    rmSync(report, { force: true });
  }
  return {
    ms,
    rssKb,
    status,
    /** From the last stdout write to the exit: what the process does after it has said everything. */
    tailMs: performance.now() - lastStdoutAt,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

/** Wall time of a short `node args…` in ms (spawnSync: nothing else runs in this process meanwhile). */
export function timeNodeSync(args, { cwd, env } = {}) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Fails with the child's own words when it did not exit as expected. */
export function expectStatus(result, expected, what) {
  if (result.status !== expected) {
    throw new Error(
      `${what} exited with ${result.status} (expected ${expected}):\n${result.stderr.slice(-2000) || result.stdout.slice(-2000)}`,
    );
  }
}
