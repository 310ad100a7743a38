/**
 * Errors that end a command with a plain-words message and a contract exit code.
 * Only the CLI entry turns them into `process.exit`; everything below throws.
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
