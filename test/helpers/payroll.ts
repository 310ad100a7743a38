/**
 * Test helpers: temp dirs, payroll files with valid rows, running the built CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtBinPath } from '../../src/core/tool-info.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built bin, where package.json's "bin" says it is. */
export const CLI = builtBinPath();

/** Addresses known valid (published examples), one per network. */
export const ADDRESS = {
  tron: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
  evm: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  btc: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
  solana: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
};

export function tempDir(prefix = 'payout-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Writes a payroll of `count` valid USDT_TRC20 rows with distinct amounts (1.000001, 1.000002, …)
 * so that each request in the sandbox's ledger names its row by its amount.
 */
export function writePayroll(dir: string, count: number, name = 'payroll.csv'): string {
  const lines = ['employee_id,name,currency_code,to_address,amount'];
  for (let i = 1; i <= count; i += 1) lines.push(`E${i},"Person ${i}",USDT_TRC20,${ADDRESS.tron},${amountOfRow(i)}`);
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The amount `writePayroll` gives row i. */
export function amountOfRow(i: number): string {
  return `1.${String(i).padStart(6, '0')}`;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a child process. Its payment history goes to a fresh temp folder (removed
 * after it exits) unless `env` names one: no test sees another's history, or the user's.
 */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const ownState =
    options.env?.PAYOUT_STATE_DIR === undefined ? mkdtempSync(join(tmpdir(), 'payout-state-')) : undefined;
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, CRYPTOCLOUD_API_KEY: '', ...(ownState && { PAYOUT_STATE_DIR: ownState }), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      // A child that does not exit by then is killed (SIGTERM), so a test of exiting fails instead of hanging.
      ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  }).finally(() => {
    if (ownState) rmSync(ownState, { recursive: true, force: true });
  });
}
