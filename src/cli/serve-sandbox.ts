/**
 * `payout sandbox`: the emulator in the foreground until Ctrl-C.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { CommandDeps } from '../commands/options.js';
import { EXIT } from '../core/errors.js';
import { startSandbox, type SandboxOptions } from '../sandbox/index.js';

/** Starts the emulator, prints its base URL, and serves until the stop signal. */
export async function serveSandbox(options: SandboxOptions, deps: CommandDeps): Promise<number> {
  const sandbox = await startSandbox(options);
  deps.print(sandbox.url);
  deps.logger.info(
    `CryptoCloud sandbox listening; one request per ${options.intervalMs ?? 12000} ms. ` +
      `Pay against it with: payout run FILE --base-url ${sandbox.url} (${options.apiKey ? 'only the key of --api-key-file is accepted' : 'any key is accepted'}). Ctrl-C stops it.`,
  );
  await new Promise<void>((resolve) => deps.stop.addEventListener('abort', () => resolve(), { once: true }));
  await sandbox.close();
  return EXIT.ok;
}
