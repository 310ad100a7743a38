/**
 * The logger: readable lines on stderr for the operator, JSON lines in a file for the record.
 * Created by the CLI and passed down; never a global.
 */
import { closeSync, constants, openSync } from 'node:fs';
import winston from 'winston';

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
}

/** Creates the logger. Any secret that reaches a message is replaced, as a second line of defence. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const redact = winston.format((info) => {
    for (const key of Object.keys(info)) {
      const value = info[key];
      if (typeof value === 'string') info[key] = redactText(value, secrets);
    }
    info.message = redactText(String(info.message), secrets);
    return info;
  });
  const transports: winston.transport[] = [
    new winston.transports.Console({
      level: options.verbose ? 'debug' : 'info',
      silent: options.silent ?? false,
      stderrLevels: ['error', 'warn', 'info', 'debug'],
      format: winston.format.printf(({ level, message }) => (level === 'info' || level === 'debug' ? String(message) : `${level}: ${String(message)}`)),
    }),
  ];
  if (options.logFile) {
    // Created owner-only before winston opens it (winston would create it world-readable).
    closeSync(openSync(options.logFile, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600));
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

/** Replaces every occurrence of a secret. */
export function redactText(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** Waits until the log file has everything (before the process exits). */
export async function closeLogger(logger: Logger): Promise<void> {
  const done = new Promise<void>((resolve) => logger.on('finish', () => resolve()));
  logger.end();
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2000))]);
}
