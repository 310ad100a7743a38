/**
 * Runs a script of ES module code in a child Node.js process that the file permissions bind.
 * Root passes every permission check (CAP_DAC_OVERRIDE), which is how CI runs, so as root the
 * child keeps its uid but starts without any capability (setpriv(1), from util-linux): it still
 * owns the files and folders it made, including the 0700 temp folders around them, and is
 * refused a file of mode 000 or a write in a folder of mode 0555 as any user is.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The script's stdout, parsed as JSON; its arguments are `process.argv[1]` onwards. */
export async function runUnprivileged<T>(script: string, args: string[]): Promise<T> {
  const node = [process.execPath, '--input-type=module', '-e', script, ...args];
  const [command, ...rest] =
    process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--', ...node] : node;
  const { stdout } = await promisify(execFile)(command ?? process.execPath, rest, {
    env: { PATH: process.env.PATH ?? '' },
  });
  return JSON.parse(stdout) as T;
}
