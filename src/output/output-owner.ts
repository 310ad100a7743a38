/**
 * Who owns an output CSV. payout replaces an existing output only when the manifest beside it
 * says payout wrote it, for this input (and this checkpoint's payments), and the file is still
 * the one payout wrote. Every command that writes the output goes through one OutputOwner, which
 * checks, writes the manifest, and lets the output be renamed into place.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { diskProblemOf, diskWords, EXIT, ExitError, type ExitCode } from '../core/errors.js';
import type { JournalState } from '../journal/replay.js';
import type { Logger } from '../log.js';
import { hashFile } from '../csv/read.js';
import { toolInfo } from '../core/tool-info.js';
import { MANIFEST_VERSION, readManifest, recordableUrl, writeManifest, type Manifest } from './manifest.js';
import type { OutputCommit } from '../scan/types.js';

/** An output CSV that payout will not replace (exit 2): it is not payout's own for this input. */
export class OutputNotOwnedError extends ExitError {
  constructor(
    readonly outPath: string,
    readonly reason: string,
  ) {
    super(
      `${outPath} exists and was not written by payout for this input (${reason}); move it away or give --out FILE`,
      'input',
    );
    this.name = 'OutputNotOwnedError';
  }
}

/** The command that writes the output: a run or dry run (which the manifest records), or a later status or resolve. */
export type OutputWriterCommand = 'run' | 'dry-run' | 'status' | 'resolve';

export interface OutputOwnerOptions {
  paths: { input: string; out: string; checkpoint: string; manifest: string };
  command: OutputWriterCommand;
  /** The API a run talks to; recorded without credentials. */
  baseUrl?: string;
  /** Recorded as "sandbox" instead of a URL. @default false */
  sandbox?: boolean;
  /** Strings that must never reach the manifest (the API key). */
  secrets?: string[];
  logger?: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

export class OutputOwner {
  private readonly now: () => Date;
  private readonly startedAt: string;
  /** The manifest of the last output this process put in place. */
  private committed: Manifest | undefined;
  private pending: Manifest | undefined;
  /** The output found at the start, hashed in the background (hashCurrentEarly). */
  private early: Promise<{ key: string; sha256: string } | undefined> | undefined;

  constructor(private readonly options: OutputOwnerOptions) {
    this.now = options.now ?? (() => new Date());
    this.startedAt = this.now().toISOString();
  }

  /** Where the manifest is. */
  get manifestPath(): string {
    return this.options.paths.manifest;
  }

  /**
   * Why the output may not be replaced by one made from the input with SHA-256 `inputSha256`
   * and the checkpoint `journal` (none: undefined); undefined when it may.
   */
  async refusal(inputSha256: string, journal: JournalState | undefined): Promise<string | undefined> {
    return (await this.inspect(inputSha256, journalIdOf(journal))).refusal;
  }

  /**
   * The hook for writeResults: check, write the manifest, then let the output be renamed into
   * place. `journal`: the checkpoint whose records the output shows (none: undefined).
   */
  committer(journal: JournalState | undefined): OutputCommit {
    const journalId = journalIdOf(journal);
    return {
      beforeRename: async ({ output: written, summary, tally }) => {
        const found = await this.inspect(summary.sha256, journalId);
        if (found.refusal !== undefined) throw new OutputNotOwnedError(this.options.paths.out, found.refusal);
        const run = this.runRecord(found.manifest, journalId);
        const manifest: Manifest = {
          manifestVersion: MANIFEST_VERSION,
          tool: toolInfo(),
          mode: run.mode,
          input: { path: this.options.paths.input, sha256: summary.sha256, bytes: summary.bytes },
          output: {
            path: this.options.paths.out,
            sha256: written.sha256,
            bytes: written.bytes,
            previousSha256: found.currentSha256,
          },
          checkpoint: { path: this.options.paths.checkpoint, createdAt: journalId },
          baseUrl: run.baseUrl,
          startedAt: run.startedAt,
          endedAt: run.endedAt,
          exitCode: run.exitCode,
          counts: { ...tally.counts },
          totals: tally.totals(),
          ...(this.isLaterCommand() && {
            updatedBy: { command: this.options.command as 'status' | 'resolve', at: this.now().toISOString() },
          }),
        };
        // Before the rename: if a crash falls between the two, the old output is still accepted (previousSha256).
        await writeManifest(this.options.paths.manifest, manifest);
        this.pending = manifest;
      },
      afterRename: () => {
        this.committed = this.pending;
        this.pending = undefined;
      },
    };
  }

  /**
   * At the end of a run or dry run: records its end and exit code in the manifest, if this
   * process wrote the output (a refused output's manifest is never touched). Never throws: the
   * checkpoint and the output are the record of the payments; a manifest that cannot be written
   * is reported.
   */
  async finish(exitCode: number): Promise<void> {
    if (!this.committed || this.isLaterCommand()) return;
    try {
      // The hash stays the one payout wrote: an output edited during the run is not blessed here.
      await writeManifest(this.options.paths.manifest, {
        ...this.committed,
        endedAt: this.now().toISOString(),
        exitCode,
      });
    } catch (error) {
      const disk = diskProblemOf(error);
      const why = disk
        ? `${diskWords(disk.problem, disk.code)}; the checkpoint and the output CSV are the record of the payments`
        : (error as Error).message;
      this.options.logger?.error(`could not record the end of the run in ${this.options.paths.manifest}: ${why}`);
    }
  }

  /** Runs a command, then records its end (also when it throws: with the exit code the CLI will give). */
  async around<T extends { exitCode: number }>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await this.finish(exitCodeOfError(error));
      throw error;
    }
    await this.finish(result.exitCode);
    return result;
  }

  private isLaterCommand(): boolean {
    return this.options.command === 'status' || this.options.command === 'resolve';
  }

  /** The run's fields: this run's own, or for status and resolve, those of the run the manifest recorded. */
  private runRecord(
    previous: Manifest | undefined,
    journalId: string | null,
  ): Pick<Manifest, 'mode' | 'baseUrl' | 'startedAt' | 'endedAt' | 'exitCode'> {
    if (this.isLaterCommand()) {
      // A manifest from before the checkpoint recorded anything (a dry run) describes no run of it.
      const sameRun = previous !== undefined && previous.checkpoint.createdAt === journalId;
      return sameRun
        ? {
            mode: previous.mode,
            baseUrl: previous.baseUrl,
            startedAt: previous.startedAt,
            endedAt: previous.endedAt,
            exitCode: previous.exitCode,
          }
        : { mode: 'run', baseUrl: 'unknown', startedAt: null, endedAt: null, exitCode: null };
    }
    const baseUrl = this.options.sandbox
      ? 'sandbox'
      : recordableUrl(this.options.baseUrl ?? 'unknown', this.options.secrets);
    return {
      mode: this.options.command as 'run' | 'dry-run',
      baseUrl,
      startedAt: this.startedAt,
      endedAt: null,
      exitCode: null,
    };
  }

  /**
   * Starts hashing the output already at the path (if any) now, in the background: a large run's
   * scan leaves this thread idle at times while its worker parses, and the hash is needed only
   * when the new output is put in place. `inspect` uses it only if the file has not changed since
   * (same inode, size and times, and last modified well before the hashing began); otherwise it
   * hashes the file again.
   */
  hashCurrentEarly(): void {
    const out = this.options.paths.out;
    const startedAt = Date.now();
    this.early = (async () => {
      const before = await fileKey(out);
      if (before === undefined || before.mtimeMs > startedAt - COARSE_MTIME_MS) return undefined;
      const { sha256 } = await hashFile(out);
      return { key: before.key, sha256 };
    })().catch(() => undefined);
  }

  /** Settles once the early hash is over (done, skipped or failed); at once when none was started. */
  async earlyHashSettled(): Promise<void> {
    await this.early;
  }

  /** The SHA-256 of the file at `out` now: hashed early if it has not changed since, else now. */
  private async currentSha256(out: string): Promise<string> {
    const early = await this.early;
    if (early !== undefined && (await fileKey(out))?.key === early.key) return early.sha256;
    return (await hashFile(out)).sha256;
  }

  /** What is at the output path now, and whether it may be replaced. */
  private async inspect(
    inputSha256: string,
    journalId: string | null,
  ): Promise<{ refusal?: string; manifest?: Manifest; currentSha256: string | null }> {
    const { out, manifest: manifestPath, input } = this.options.paths;
    if (!existsSync(out)) return { currentSha256: null };
    const manifest = await readManifest(manifestPath);
    if (manifest === undefined)
      return { refusal: `there is no manifest ${manifestPath} beside it`, currentSha256: null };
    if (manifest === 'unreadable')
      return { refusal: `its manifest ${manifestPath} cannot be read`, currentSha256: null };
    // The same bytes, or the same file re-saved while no payment was recorded (fixing rows after a dry run).
    const sameInput =
      manifest.input.sha256 === inputSha256 ||
      (manifest.input.path === input && manifest.checkpoint.createdAt === null);
    if (!sameInput)
      return { refusal: `it is the output of another input, ${manifest.input.path}`, manifest, currentSha256: null };
    if (manifest.checkpoint.createdAt !== null && manifest.checkpoint.createdAt !== journalId) {
      return {
        refusal: `it records the payments of another checkpoint, created ${manifest.checkpoint.createdAt}, which this run would lose`,
        manifest,
        currentSha256: null,
      };
    }
    const current = await this.currentSha256(out);
    if (current !== manifest.output.sha256 && current !== manifest.output.previousSha256) {
      return { refusal: 'it was changed after payout wrote it', manifest, currentSha256: current };
    }
    return { manifest, currentSha256: current };
  }
}

/**
 * A file system whose times are this coarse (FAT: 2 s) could give an edit the time the file
 * already had: an early hash counts only for a file last modified longer ago than this.
 */
const COARSE_MTIME_MS = 3000;

/** What changes whenever a file's content can have changed: its identity, size and times (ns). */
async function fileKey(path: string): Promise<{ key: string; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return { key: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, mtimeMs: Number(s.mtimeMs) };
  } catch {
    return undefined;
  }
}

/**
 * What identifies the checkpoint whose payments an output shows: its creation time, once it
 * recorded a request for a row (null before: then it holds no payment an output could lose).
 */
function journalIdOf(journal: JournalState | undefined): string | null {
  return journal && journal.rows.size > 0 ? journal.header.createdAt : null;
}

/** The exit code the CLI gives an error (see src/cli/run-cli.ts). */
export function exitCodeOfError(error: unknown): ExitCode {
  return error instanceof ExitError ? error.exitCode : EXIT.incomplete;
}
