/**
 * The manifest beside an output CSV (`<output stem>.manifest.json`): the record of the run that
 * wrote it (tool, input, output, times, exit code, counts and totals), and the proof that the
 * output is payout's own, for this input (see output-owner.ts).
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { apiIdentity } from '../api/identity.js';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { DiskError } from '../core/errors.js';
import type { StatusCounts } from './rules.js';
import type { StatusTotals } from './tally.js';

/** Bumped when a field's meaning changes. */
export const MANIFEST_VERSION = 1;

/** What the manifest says. Paths are absolute; amounts are decimal strings. */
export interface Manifest {
  manifestVersion: number;
  tool: { name: string; version: string };
  /** The last run or dry run that wrote this output. */
  mode: 'run' | 'dry-run';
  input: { path: string; sha256: string; bytes: number };
  output: {
    path: string;
    /** SHA-256 of the output file as payout committed it. */
    sha256: string;
    bytes: number;
    /**
     * The output this one replaced (null: none). The manifest is written just before the output
     * is renamed into place, so after a crash between the two the file may still be that one.
     */
    previousSha256: string | null;
  };
  /**
   * The checkpoint, and its creation time once it recorded a request for a row (null before: a
   * dry run, a run refused before paying). An output showing a checkpoint's payments is never
   * replaced by one made without it.
   */
  checkpoint: { path: string; createdAt: string | null };
  /** The API the run talked to (or would have), without credentials; "sandbox" for --sandbox. */
  baseUrl: string;
  /** Null when unknown (a status or resolve wrote the output of a run whose manifest was lost). */
  startedAt: string | null;
  /** Null while the run is going on (or if it was killed). */
  endedAt: string | null;
  exitCode: number | null;
  /** Of the output file beside it. */
  counts: StatusCounts;
  totals: StatusTotals;
  /** Set when `status` or `resolve` rewrote the output after the run. */
  updatedBy?: { command: 'status' | 'resolve'; at: string };
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  mode: z.enum(['run', 'dry-run']),
  input: z.object({ path: z.string(), sha256, bytes: z.number() }),
  output: z.object({ path: z.string(), sha256, bytes: z.number(), previousSha256: sha256.nullable() }),
  checkpoint: z.object({ path: z.string(), createdAt: z.string().nullable() }),
  baseUrl: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  counts: z.record(z.string(), z.number()),
  totals: z.record(z.string(), z.array(z.object({ currency: z.string(), count: z.number(), total: z.string() }))),
  updatedBy: z.object({ command: z.enum(['status', 'resolve']), at: z.string() }).optional(),
});

/**
 * Reads the manifest at `path`: the manifest, `undefined` when there is none, or `'unreadable'`
 * when something is there that is not a manifest we wrote.
 */
export async function readManifest(path: string): Promise<Manifest | undefined | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Manifest) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Writes the manifest atomically: a 0600 temp file beside it, fsync, rename, fsync of the folder. */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  const directory = dirname(resolve(path));
  const tempPath = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tempPath, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await unlink(tempPath).catch(() => {});
    throw (
      DiskError.from(error, 'the manifest', path) ??
      new Error(`cannot write the manifest ${path}: ${(error as Error).message}`, { cause: error })
    );
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot sync a directory; the manifest itself was synced before the rename.
  } finally {
    await handle.close();
  }
}

/** A base URL fit for a record (the API's identity). */
export function recordableUrl(url: string, secrets: string[] = []): string {
  return apiIdentity(url, secrets);
}
