/**
 * Notices an input file that changes while a run reads it twice (validation, then payment):
 * saving it from a spreadsheet replaces it (new inode) or rewrites it (new mtime/ctime).
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { statSync } from 'node:fs';
import { InputError } from '../core/errors.js';

export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** The identity of the file at `path` now. */
export function identityOf(path: string): FileIdentity {
  let s;
  try {
    s = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `cannot find ${path}` : `cannot read ${path}: ${code ?? 'error'}`, {
      cause: error,
    });
  }
  return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

/** True when both name the same, unchanged file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
