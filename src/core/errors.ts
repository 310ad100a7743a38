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

/**
 * What went wrong, in the terms that decide how a command ends: a bad command line (`usage`), a
 * file that cannot be used (`input`), a check that refuses the run (`refused`), an input that
 * changed under the run (`changed`), a disk that refused a write (`disk`). A bug is not an
 * ExitError at all: the CLI calls it an internal error.
 */
export type ErrorKind = 'usage' | 'input' | 'refused' | 'changed' | 'disk';

/**
 * A message that says what was sent: the problem, then the closing words (decided by
 * `closingWords`, never typed where the error is thrown), then what to do.
 */
export interface Words {
  problem: string;
  remedy?: string;
}

/** "Nothing was sent.", or what a stop after sending started means: decided once, from the kind and the moment. */
export function closingWords(kind: ErrorKind, sendingStarted: boolean): string {
  if (!sendingStarted) return 'Nothing was sent.';
  return kind === 'disk'
    ? 'The run stopped before sending anything more.'
    : 'This happened after the run had started sending: rows may have been paid. Run payout status to see where it stands.';
}

/**
 * The exit code of an error (../shared/CONTRACT.md, "Exit status"): exit 2 says nothing was sent,
 * so once sending started every kind ends with exit 3 (incomplete). The kind decides the words
 * (`closingWords`), not the code.
 */
export function exitCodeFor(sendingStarted: boolean): ExitCode {
  return sendingStarted ? EXIT.incomplete : EXIT.usage;
}

/**
 * The operator's message: the problem, the closing words, what to do. A plain string says nothing
 * about sending before it started (a usage error comes before anything could be sent); after, it
 * gets the closing words like any other.
 */
export function messageOf(words: string | Words, kind: ErrorKind, sendingStarted: boolean): string {
  if (typeof words === 'string') return sendingStarted ? `${sentence(words)} ${closingWords(kind, true)}` : words;
  const remedy = words.remedy === undefined ? '' : ` ${sentence(capitalised(words.remedy))}`;
  return `${sentence(words.problem)} ${closingWords(kind, sendingStarted)}${remedy}`;
}

/**
 * What an error says without its closing words: the problem and what to do, as whole sentences.
 * For a line that is not how the command ends (a dry run's "a real run would refuse this", a
 * warning while the run goes on).
 */
export function adviceOf(words: string | Words): string {
  if (typeof words === 'string') return sentence(words);
  const remedy = words.remedy === undefined ? '' : ` ${sentence(capitalised(words.remedy))}`;
  return `${sentence(words.problem)}${remedy}`;
}

/** `text` ending with a full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * An error whose message is meant for the operator. It carries its kind and whether the run had
 * started sending; the exit code and the closing words follow from those two (`exitCodeFor`,
 * `closingWords`), whichever layer threw it.
 */
export class ExitError extends Error {
  readonly sendingStarted: boolean;

  constructor(
    readonly words: string | Words,
    readonly kind: ErrorKind,
    options?: { cause?: unknown; sendingStarted?: boolean },
  ) {
    const sendingStarted = options?.sendingStarted ?? false;
    super(messageOf(words, kind, sendingStarted), options?.cause === undefined ? undefined : { cause: options.cause });
    this.sendingStarted = sendingStarted;
    this.name = 'ExitError';
  }

  /** Derived, never set: the exit code cannot disagree with the kind and the moment. */
  get exitCode(): ExitCode {
    return exitCodeFor(this.sendingStarted);
  }

  /** The same error once the run may have sent requests: exit 3, and words that say so. */
  afterSending(): ExitError {
    if (this.sendingStarted) return this;
    return new ExitError(this.words, this.kind, { cause: this, sendingStarted: true });
  }
}

/** A bad command line or configuration (exit 2). */
export class UsageError extends ExitError {
  constructor(words: string | Words, options?: { cause?: unknown }) {
    super(words, 'usage', options);
    this.name = 'UsageError';
  }
}

/** A file that cannot be used as input, or a checkpoint that does not belong to it (exit 2). */
export class InputError extends ExitError {
  constructor(words: string | Words, options?: { cause?: unknown }) {
    super(words, 'input', options);
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
export function diskProblemOf(error: unknown): { problem: DiskProblem; code: string; path?: string } | undefined {
  // Not `instanceof Error`: an error from another realm (a worker, a VM context) is one all the same.
  for (
    let e: unknown = error, depth = 0;
    typeof e === 'object' && e !== null && depth < 8;
    e = (e as { cause?: unknown }).cause, depth += 1
  ) {
    if (e instanceof DiskError) return { problem: e.failure.problem, code: e.failure.code, path: e.failure.path };
    const { code, path } = e as NodeJS.ErrnoException;
    const problem = code === undefined ? undefined : DISK_PROBLEMS[code];
    if (problem && code) return { problem, code, ...(path !== undefined && { path }) };
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
  constructor(
    readonly failure: DiskFailure,
    sendingStarted = false,
    options?: { cause?: unknown },
  ) {
    super(diskWordsOf(failure, sendingStarted), 'disk', { ...options, sendingStarted });
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
  override afterSending(input?: string): DiskError {
    return new DiskError({ ...this.failure, ...(input !== undefined && { input }) }, true, { cause: this.cause });
  }
}

/** Which file, why and what is recorded; then what to do. Decided here once, for every file. */
function diskWordsOf(f: DiskFailure, sendingStarted: boolean): Words {
  const recorded = f.recorded ?? (sendingStarted ? 'The checkpoint holds every request sent and its answer.' : '');
  const payroll = f.input ?? '<payroll>';
  const next =
    f.next?.command === 'recover'
      ? `run payout recover ${payroll}, then `
      : f.next?.command === 'resolve'
        ? `run payout resolve ${payroll} --row ${f.next.row} ${f.next.verdict}, then `
        : '';
  const what = `${capitalised(f.what)} ${f.path} could not be written: ${diskWords(f.problem, f.code)}.`;
  return {
    problem: recorded === '' ? what : `${what} ${recorded}`,
    remedy: `${REMEDY[f.problem]}, then ${next}run the same command.`,
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
