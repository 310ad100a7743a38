/**
 * An injected disk failure, for the few paths no real disk here reaches: an fsync of a folder
 * that fails (EIO), a rename refused by a disk whose folder needs a new block (ENOSPC), a cut
 * (ftruncate) of a torn line that a failing disk refuses. The test file hands `faultyFs()` to
 * `jest.unstable_mockModule('node:fs', ...)` before importing the module under test: every
 * call goes to the real node:fs, noted in `fsCalls`, unless a fault scheduled with `failNext`
 * matches it. Everything else in those tests is a real file in a real temp folder.
 */
import type * as nodeFs from 'node:fs';
import { createRequire } from 'node:module';

type RealFs = typeof nodeFs;
const real = createRequire(import.meta.url)('node:fs') as RealFs;

export type FaultyCall = 'openSync' | 'fsyncSync' | 'ftruncateSync' | 'renameSync' | 'writeSync' | 'closeSync';

/** One call made: its name and the path it was about (for an fd, the path it was opened by). */
export interface FsCall {
  call: FaultyCall;
  path: string | undefined;
}

interface Fault {
  call: FaultyCall;
  code: string;
  matches: (path: string | undefined) => boolean;
}

const faults: Fault[] = [];
const paths = new Map<number, string>();
/** The calls made since the last `resetFsFaults`, in order. */
export const fsCalls: FsCall[] = [];

/** The next `call` about a path that `matches` fails with the system error `code`, once. */
export function failNext(
  call: FaultyCall,
  code: string,
  matches: (path: string | undefined) => boolean = () => true,
): void {
  faults.push({ call, code, matches });
}

/** Forgets the calls noted and any fault not yet used. */
export function resetFsFaults(): void {
  faults.splice(0);
  fsCalls.splice(0);
}

function note(call: FaultyCall, path: string | undefined): void {
  fsCalls.push({ call, path });
  const index = faults.findIndex((fault) => fault.call === call && fault.matches(path));
  if (index < 0) return;
  const [fault] = faults.splice(index, 1);
  const code = fault?.code ?? 'EIO';
  throw Object.assign(new Error(`${code}: injected, ${call.replace('Sync', '')} '${path ?? '?'}'`), {
    code,
    syscall: call.replace('Sync', ''),
    ...(path !== undefined && { path }),
  });
}

/** The module to mock node:fs with: the real one, every call noted and open to a fault. */
export function faultyFs(): RealFs {
  const openSync = ((path: string, ...rest: unknown[]) => {
    note('openSync', String(path));
    const fd = (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  }) as RealFs['openSync'];
  const closeSync = ((fd: number) => {
    note('closeSync', paths.get(fd));
    paths.delete(fd);
    real.closeSync(fd);
  }) as RealFs['closeSync'];
  const fsyncSync = ((fd: number) => {
    note('fsyncSync', paths.get(fd));
    real.fsyncSync(fd);
  }) as RealFs['fsyncSync'];
  const ftruncateSync = ((fd: number, length?: number) => {
    note('ftruncateSync', paths.get(fd));
    real.ftruncateSync(fd, length);
  }) as RealFs['ftruncateSync'];
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    note('writeSync', paths.get(fd));
    return (real.writeSync as (...args: unknown[]) => number)(fd, ...rest);
  }) as RealFs['writeSync'];
  const renameSync = ((from: string, to: string) => {
    note('renameSync', String(to));
    real.renameSync(from, to);
  }) as RealFs['renameSync'];
  const fs = { ...real, openSync, closeSync, fsyncSync, ftruncateSync, writeSync, renameSync };
  return { ...fs, default: fs } as unknown as RealFs;
}
