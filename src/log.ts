/**
 * The logger: readable lines on stderr for the operator, JSON lines in a file for the record.
 * Created by the CLI and passed down; never a global.
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createRedactor } from './api/redact.js';
import { DiskError, diskProblemOf, diskWords, UsageError } from './core/errors.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** Where the JSON lines go; none for commands that keep no record. */
  logFile?: string;
  /** Strings that must never be written anywhere (the API key). */
  secrets?: string[];
  /** Show debug lines on stderr. @default false */
  verbose?: boolean;
  /** Nothing on stderr (tests; the log file still gets everything). @default false */
  silent?: boolean;
  /**
   * Where the operator's lines go instead of stderr: the terminal's status line, which prints
   * them above a progress bar. @default process.stderr
   */
  console?: { write(text: string): void };
}

/** Meta that keeps a line out of the console (it is shown another way, like a progress bar); the file still gets it. */
export const FILE_ONLY = { fileOnly: true } as const;

/** Creates the logger. Any secret that reaches a message is replaced, as a second line of defence. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactText = createRedactor((options.secrets ?? []).filter((s) => s.length >= 4));
  const redact = winston.format((info) => {
    for (const key of Object.keys(info)) {
      const value = info[key];
      if (typeof value === 'string') info[key] = redactText(value);
    }
    info.message = redactText(String(info.message));
    return info;
  });
  const consoleOptions = {
    level: options.verbose ? 'debug' : 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(
      winston.format((info) => (info.fileOnly ? false : info))(),
      winston.format.printf(({ level, message }) =>
        level === 'info' || level === 'debug' ? String(message) : `${level}: ${String(message)}`,
      ),
    ),
  };
  const transports: winston.transport[] = [
    options.console
      ? new winston.transports.Stream({ ...consoleOptions, stream: sinkStream(options.console), eol: '\n' })
      : new winston.transports.Console({ ...consoleOptions, stderrLevels: ['error', 'warn', 'info', 'debug'] }),
  ];
  let file: Writable | undefined;
  if (options.logFile) {
    const consoleSink = options.silent ? undefined : (options.console ?? process.stderr);
    file = logFileStream(options.logFile, (warning) => consoleSink?.write(`warn: ${warning}\n`));
    transports.push(
      new winston.transports.Stream({
        stream: file,
        level: 'debug',
        eol: '\n',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  const logger = winston.createLogger({ format: redact(), transports });
  if (file) logFiles.set(logger, file);
  return logger;
}

/** Each logger's log file, closed by `closeLogger` (winston does not end a stream it was given). */
const logFiles = new WeakMap<Logger, Writable>();

/**
 * The log file: each line appended as it comes (owner-only; created here, as winston would create
 * it world-readable). A disk that refuses a line (full, read-only, failing) does not stop the run:
 * the log is the people's record, the checkpoint and the outbox are money's, and they stop the
 * run themselves if their disk fails. So the failure is said once on stderr and the log goes
 * quiet from there: a run stopped for its log would leave rows pending for no gain in safety.
 */
function logFileStream(path: string, warn: (text: string) => void): Writable {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
  } catch (error) {
    const disk = DiskError.from(error, 'the log file', path);
    if (disk) throw disk;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : (code ?? 'error');
    throw new UsageError(`cannot write the log file ${path}: ${why}`, { cause: error });
  }
  let failed = false;
  try {
    // A line a full disk cut short last time gets its line break, so the next line is whole.
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) writeSync(fd, '\n');
  } catch {
    // Not readable (opened write-only elsewhere) or not writable: the writes below say so.
  }
  const close = (): void => {
    if (fd < 0) return;
    closeSync(fd);
    fd = -1;
  };
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (failed || fd < 0) return callback();
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      try {
        for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
      } catch (error) {
        failed = true;
        const disk = diskProblemOf(error);
        warn(
          `the log file ${path} could not be written (${disk ? diskWords(disk.problem, disk.code) : (error as Error).message}); ` +
            'the run goes on without it: the checkpoint, not the log, is the record of what was paid',
        );
      }
      callback();
    },
    final(callback) {
      close();
      callback();
    },
    destroy(error, callback) {
      close();
      callback(error);
    },
  });
}

/** A stream that hands each line to `sink` at once (its callback is synchronous, so nothing is buffered). */
function sinkStream(sink: { write(text: string): void }): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      sink.write(chunk.toString());
      callback();
    },
  });
}

/** Waits until the log file has everything (before the process exits). */
export async function closeLogger(logger: Logger): Promise<void> {
  const done = new Promise<void>((resolve) => logger.on('finish', () => resolve()));
  logger.end();
  // The fallback timer must not keep the process alive once the log is flushed (it cost every command 2 s).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
  logFiles.get(logger)?.end();
}
