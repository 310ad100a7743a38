/**
 * The logger: readable lines on stderr for the operator, JSON lines in a file for the record.
 * Created by the CLI and passed down; never a global.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createRedactor } from './api/redact.js';
import { UsageError } from './core/errors.js';

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
      winston.format.printf(({ level, message }) => (level === 'info' || level === 'debug' ? String(message) : `${level}: ${String(message)}`)),
    ),
  };
  const transports: winston.transport[] = [
    options.console
      ? new winston.transports.Stream({ ...consoleOptions, stream: sinkStream(options.console), eol: '\n' })
      : new winston.transports.Console({ ...consoleOptions, stderrLevels: ['error', 'warn', 'info', 'debug'] }),
  ];
  if (options.logFile) {
    // Created owner-only before winston opens it (winston would create it world-readable).
    try {
      closeSync(openSync(options.logFile, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'its folder does not exist' : (code ?? 'error');
      throw new UsageError(`cannot write the log file ${options.logFile}: ${why}`, { cause: error });
    }
    transports.push(
      new winston.transports.File({
        filename: options.logFile,
        level: 'debug',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  return winston.createLogger({ format: redact(), transports });
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
}
