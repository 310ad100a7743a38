/**
 * Errors that end a command with a plain-words message and a contract exit code.
 * Only the CLI entry turns them into `process.exit`; everything below throws.
 *
 * Stage core/: imports no other stage of src/.
 */

/** Exit codes of the contract (../shared/CONTRACT.md, "Exit status"). */
export const EXIT = {
  /** Every row paid (dry run: every row valid). */
  ok: 0,
  /** Finished; some rows failed or are invalid; none pending or unknown. */
  someFailed: 1,
  /** Usage, configuration or input error, or a foreign checkpoint; nothing was sent. */
  usage: 2,
  /** Incomplete: rows pending or unknown. */
  incomplete: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is meant for the operator, ending the process with `exitCode`. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}

/** A bad command line or configuration (exit 2, nothing sent). */
export class UsageError extends ExitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.usage, options);
    this.name = 'UsageError';
  }
}

/** A file that cannot be used as input, or a checkpoint that does not belong to it (exit 2). */
export class InputError extends ExitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.usage, options);
    this.name = 'InputError';
  }
}

/** How a disk refuses a write: the four an operator can do something about. */
export type DiskProblem = 'full' | 'quota' | 'read-only' | 'failing';

const DISK_PROBLEMS: Readonly<Record<string, DiskProblem>> = {
  ENOSPC: 'full',
  EDQUOT: 'quota',
  EROFS: 'read-only',
  EIO: 'failing',
};

const PROBLEM_WORDS: Record<DiskProblem, string> = {
  full: 'the disk is full',
  quota: 'the disk quota is used up',
  'read-only': 'the disk is read-only',
  failing: 'the disk is failing (an input/output error)',
};

const REMEDY: Record<DiskProblem, string> = {
  full: 'Free space',
  quota: 'Free space (or raise the quota)',
  'read-only': 'Make the disk writable again',
  failing: 'Check the disk (or move the files to a sound one)',
};

/** The disk problem behind `error` (or behind one of its causes), if it is one. */
export function diskProblemOf(
  error: unknown,
): { problem: DiskProblem; code: string; path?: string; syscall?: string } | undefined {
  // Not `instanceof Error`: an error from another realm (a worker, a VM context) is one all the same.
  for (
    let e: unknown = error, depth = 0;
    typeof e === 'object' && e !== null && depth < 8;
    e = (e as { cause?: unknown }).cause, depth += 1
  ) {
    if (e instanceof DiskError) return { problem: e.failure.problem, code: e.failure.code, path: e.failure.path };
    const { code, path, syscall } = e as NodeJS.ErrnoException;
    const problem = code === undefined ? undefined : DISK_PROBLEMS[code];
    if (problem && code)
      return { problem, code, ...(path !== undefined && { path }), ...(syscall !== undefined && { syscall }) };
  }
  return undefined;
}

/** "the disk is full (ENOSPC)": the problem in a few words, for a line that is not the run's last word. */
export function diskWords(problem: DiskProblem, code: string): string {
  return `${PROBLEM_WORDS[problem]} (${code})`;
}

/** What the next run needs first, after the space is freed: told with the payroll's name. */
export type DiskNextStep =
  { command: 'recover' } | { command: 'resolve'; row: number; verdict: '--not-paid' | `--paid ${string}` };

/** A write the disk refused, and what is on disk despite it. */
export interface DiskFailure {
  /** What the file is, in the operator's words: "the checkpoint", "the output CSV". */
  what: string;
  path: string;
  problem: DiskProblem;
  /** The system's code (ENOSPC, EDQUOT, EROFS, EIO). */
  code: string;
  /** What is recorded despite the failure, and what it means for the rows: whole sentences. */
  recorded?: string;
  /** A command to run once there is space, before running the same command again. */
  next?: DiskNextStep;
  /** The payroll, to name in `next`. */
  input?: string;
}

/**
 * A write that a full, read-only or failing disk refused: the operator's problem, said in the
 * operator's words (which file, what is recorded, what to do), never an internal error. Before
 * anything was sent it ends the command with exit 2; once sending started, with exit 3.
 */
export class DiskError extends ExitError {
  readonly kind = 'disk';

  constructor(
    readonly failure: DiskFailure,
    readonly sendingStarted = false,
    options?: { cause?: unknown },
  ) {
    super(diskMessage(failure, sendingStarted), sendingStarted ? EXIT.incomplete : EXIT.usage, options);
    this.name = 'DiskError';
  }

  /**
   * A DiskError for `error` if a disk refused it (`error` itself when it already is one), else
   * undefined. `what` and `path` name the file; `recorded` says what is on disk despite it.
   */
  static from(error: unknown, what: string, path: string, recorded?: string): DiskError | undefined {
    if (error instanceof DiskError) return error;
    const found = diskProblemOf(error);
    if (!found) return undefined;
    return new DiskError(
      { what, path, problem: found.problem, code: found.code, ...(recorded !== undefined && { recorded }) },
      false,
      { cause: error },
    );
  }

  /** The same failure with more said about it. */
  with(more: Partial<DiskFailure>): DiskError {
    return new DiskError({ ...this.failure, ...more }, this.sendingStarted, { cause: this.cause });
  }

  /** The same failure once the run may have sent requests (exit 3); `input` names the payroll in the next step. */
  afterSending(input?: string): DiskError {
    return new DiskError({ ...this.failure, ...(input !== undefined && { input }) }, true, { cause: this.cause });
  }
}

/** The message: which file, why, what is recorded, what to do. Decided here once, for every file. */
function diskMessage(f: DiskFailure, sendingStarted: boolean): string {
  const recorded = f.recorded ?? (sendingStarted ? 'The checkpoint holds every request sent and its answer.' : '');
  const payroll = f.input ?? '<payroll>';
  const next =
    f.next?.command === 'recover'
      ? `run payout recover ${payroll}, then `
      : f.next?.command === 'resolve'
        ? `run payout resolve ${payroll} --row ${f.next.row} ${f.next.verdict}, then `
        : '';
  const parts = [
    `${capitalised(f.what)} ${f.path} could not be written: ${diskWords(f.problem, f.code)}.`,
    recorded,
    sendingStarted ? 'The run stopped before sending anything more.' : 'Nothing was sent.',
    `${REMEDY[f.problem]}, then ${next}run the same command.`,
  ];
  return parts.filter((part) => part !== '').join(' ');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
