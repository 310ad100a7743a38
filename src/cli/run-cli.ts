/**
 * The command line: yargs wiring → typed options → one command. The only place that decides
 * the process's exit code; command modules are loaded lazily to keep start-up fast.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { DiskError, diskProblemOf, EXIT, ExitError, UsageError } from '../core/errors.js';
import type { CommandDeps, RunOptions } from '../commands/options.js';
import { DEFAULT_BASE_URL } from '../core/api-vocabulary.js';
import type { Logger, LoggerOptions } from '../log.js';
import { checkSwitches, parseMs, parseMsRange } from './args.js';
import type { TerminalStatusLine } from './status-line.js';
import { toolInfo } from '../core/tool-info.js';

/**
 * A reader that goes away (`payout run … | head`) must not end a run that may be paying: what it
 * would have read is lost, the run goes on to its end (the output CSV, the journal and the log
 * file keep the record). Any other error on the stream is thrown, as before.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();
function survivePipeClosed(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  survivePipeClosed(process.stdout);
  survivePipeClosed(process.stderr);
  let logger: Logger | undefined;
  // The progress bar's line on a terminal: whatever else is written there goes above it.
  let statusLine: TerminalStatusLine | undefined;
  let code: number = EXIT.ok;
  const stop = new AbortController();
  const toStderr = (text: string): void => void (statusLine ? statusLine.write(text) : process.stderr.write(text));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      toStderr(
        `\n${signal} again: stopping at once. The checkpoint is consistent; a request in flight shows as unknown.\n`,
      );
      process.exit(EXIT.incomplete);
    }
    toStderr(`\n${signal}: stopping after the request in flight is recorded (press Ctrl-C again to stop at once)…\n`);
    stop.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const makeDeps: DepsFactory = (log, terminal = {}) => {
    logger = log;
    statusLine = terminal.statusLine;
    const toStdout = (line: string): void => void process.stdout.write(`${line}\n`);
    return {
      logger: log,
      print: (line) => (statusLine ? statusLine.interrupt(() => toStdout(line)) : toStdout(line)),
      ...(process.stdin.isTTY && { ask: askOnTerminal }),
      stop: stop.signal,
      ...(terminal.progress && { progress: terminal.progress }),
    };
  };
  try {
    code = await dispatch(argv, makeDeps);
  } catch (error) {
    code = reportError(error, logger);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (logger) await (await import('../log.js')).closeLogger(logger);
  }
  return code;
}

/**
 * Creates the logger, loading winston only now: `--help`, `--version` and a usage error never
 * need it, and it costs about a third of the start-up.
 */
async function createLogger(options?: LoggerOptions): Promise<Logger> {
  const log = await import('../log.js');
  return log.createLogger(options);
}

function reportError(error: unknown, logger: Logger | undefined): number {
  // A full, read-only or failing disk that no layer worded is still the operator's problem, not a bug.
  // Where it struck is not known here, so it is not said that nothing was sent (exit 3, as before).
  const disk = error instanceof ExitError ? undefined : diskProblemOf(error);
  if (disk)
    error = new DiskError(
      { what: 'the file', path: disk.path ?? '(unnamed)', problem: disk.problem, code: disk.code },
      true,
      { cause: error },
    );
  if (error instanceof ExitError) {
    (logger ?? console).error(`${error.message}`);
    return error.exitCode;
  }
  // A bug, not a user mistake: say so plainly; the stack goes to the log file only.
  const message = error instanceof Error ? error.message : String(error);
  if (logger) {
    logger.error(
      `internal error: ${message}. The checkpoint is consistent; run the same command again, and report this if it repeats.`,
    );
    logger.debug(error instanceof Error ? (error.stack ?? message) : message);
  } else {
    console.error(`payout: internal error: ${message}`);
  }
  return EXIT.incomplete;
}

/** Asks on the terminal; Ctrl-C at the prompt is an empty answer (not confirmed), not a hang. */
async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const cancelled = new AbortController();
  rl.on('SIGINT', () => cancelled.abort());
  try {
    return await rl.question(question, { signal: cancelled.signal });
  } catch {
    return '';
  } finally {
    rl.close();
  }
}

/** Reads the API key: from --api-key-file, else the environment. Never from the command line. */
function readApiKey(file: string | undefined): string | undefined {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the API key file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const key = text.trim();
    if (!key) throw new UsageError(`the API key file ${file} is empty`);
    return key;
  }
  const fromEnv = process.env.CRYPTOCLOUD_API_KEY?.trim();
  return fromEnv || undefined;
}

/** What `resolve` and `recover` are given alike: the payroll, its checkpoint and output, how it is read, the state directory. */
interface CheckpointCommandArgs {
  input: string;
  checkpoint?: string | undefined;
  out?: string | undefined;
  columns?: string | undefined;
  decimalComma: boolean;
  historyDir?: string | undefined;
}

/** The shared options of `resolve` and `recover`, and the log file their lines go to. */
async function checkpointCommandOf(args: CheckpointCommandArgs) {
  const [{ resolvePaths }, { parseColumnsOption }, { defaultHistoryDir }] = await Promise.all([
    import('../output/paths.js'),
    import('../csv/read.js'),
    import('../ledger/history-dir.js'),
  ]);
  const given = {
    ...(args.out !== undefined && { out: args.out }),
    ...(args.checkpoint !== undefined && { checkpoint: args.checkpoint }),
  };
  return {
    options: {
      input: args.input,
      ...given,
      historyDir: args.historyDir ?? defaultHistoryDir(process.env),
      scan: {
        ...(args.columns !== undefined && { read: { columnNames: parseColumnsOption(args.columns) } }),
        validate: { decimalComma: args.decimalComma },
      },
    },
    logFile: resolvePaths(args.input, given).log,
  };
}

/** Makes the commands' deps; a run on a terminal also gets its status line and progress bar. */
type DepsFactory = (
  logger: Logger,
  terminal?: { statusLine?: TerminalStatusLine; progress?: CommandDeps['progress'] },
) => CommandDeps;

/**
 * yargs renders a command's whole help (cliui's tables, string widths) each time it starts the
 * command's handler, so that a failure can show it: about 80 ms of CPU per run, before the first
 * request leaves. No failure here shows help (.fail throws; the handlers' promises are awaited
 * below, not by yargs), so that rendering is never read: it is turned off, through yargs'
 * internals, as the Angular CLI does (angular/angular-cli#34087). `--help` renders as before.
 * Should a yargs release move the method, only the saving is lost (help.test.ts checks that --help
 * still renders, contract.test.ts what failing commands say).
 */
function skipHelpCache(parser: object): void {
  const internals = parser as { getInternalMethods?: () => { getUsageInstance?: () => unknown } };
  const usage = internals.getInternalMethods?.().getUsageInstance?.() as { cacheHelpMessage?: unknown } | undefined;
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

async function dispatch(argv: string[], makeDeps: DepsFactory): Promise<number> {
  let result: Promise<number> | undefined;
  checkSwitches(argv);
  const parser = yargs(argv)
    .scriptName('payout')
    // The tool speaks English throughout, yargs' own messages too, whatever LANG says: a German
    // "Nicht genügend Argumente" beside English remedies would help no one (and the bundle holds
    // no translation files, so only the unbundled build would have said it).
    .locale('en')
    .usage(
      '$0 <command> [options]\n\nPays a crypto payroll CSV through the CryptoCloud withdrawal API, one request per interval, resumable, never twice.',
    )
    .command(
      'run <input>',
      'pay every valid row; resumes from its checkpoint by itself',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true, describe: 'the payroll CSV' })
          .option('out', { type: 'string', describe: 'the output CSV [default: <input stem>.results.csv]' })
          .option('checkpoint', {
            type: 'string',
            describe: 'the journal that makes resume possible [default: <input stem>.checkpoint.jsonl]',
          })
          .option('dry-run', { type: 'boolean', default: false, describe: 'validate and report only; send nothing' })
          .option('yes', { type: 'boolean', default: false, describe: 'skip the confirmation prompt' })
          .option('base-url', {
            type: 'string',
            describe: `the API [default: $CRYPTOCLOUD_BASE_URL or ${DEFAULT_BASE_URL}]`,
          })
          .option('interval', {
            type: 'string',
            default: '12000',
            describe: 'minimum ms between two requests reaching the API (below 12000 only on loopback)',
          })
          .option('margin', {
            type: 'string',
            default: '500',
            describe:
              'safety margin in ms: how late after it left a request may reach the API (at least 250 unless loopback or --sandbox)',
          })
          .option('timeout', {
            type: 'string',
            default: '30000',
            describe: 'per-request timeout in ms; a timed-out request is unknown',
          })
          .option('sandbox', {
            type: 'boolean',
            default: false,
            describe: 'pay against an in-process CryptoCloud emulator (no key needed)',
          })
          .option('api-key-file', {
            type: 'string',
            describe: 'read the API key from this file [default: $CRYPTOCLOUD_API_KEY]',
          })
          .option('skip-invalid', {
            type: 'boolean',
            default: false,
            describe: 'pay the valid rows even though some rows are invalid',
          })
          .option('retry-failed', { type: 'boolean', default: false, describe: 'send again the rows the API rejected' })
          .option('allow-duplicates', {
            type: 'boolean',
            default: false,
            describe: 'pay rows that repeat an earlier row (same currency, address, amount)',
          })
          .option('columns', {
            type: 'string',
            describe: 'other header names: currency_code=Coin,to_address=Wallet,amount=Sum',
          })
          .option('decimal-comma', {
            type: 'boolean',
            default: false,
            describe: 'amounts are written with a decimal comma (0,5)',
          })
          .option('max-amount', {
            type: 'string',
            array: true,
            nargs: 1,
            describe: 'refuse the run if a row pays more than this: CUR=AMT (repeatable)',
          })
          .option('max-total', {
            type: 'string',
            array: true,
            nargs: 1,
            describe: "refuse the run if a currency's valid rows total more: CUR=AMT (repeatable)",
          })
          .option('expect-count', {
            type: 'string',
            describe: 'refuse the run unless the file has exactly N valid rows',
          })
          .option('expect-total', {
            type: 'string',
            array: true,
            nargs: 1,
            describe: "refuse the run unless a currency's valid rows total exactly this: CUR=AMT (repeatable)",
          })
          .option('allow-repeat', {
            type: 'boolean',
            default: false,
            describe: 'pay rows that repeat payments of the last 45 days from another payroll',
          })
          .option('balance-check', {
            type: 'boolean',
            default: true,
            describe: 'read the balances first and refuse a run they cannot cover (--no-balance-check: skip)',
          })
          .option('history-dir', {
            type: 'string',
            describe:
              'where the payment history is kept [default: $PAYOUT_STATE_DIR, $XDG_STATE_HOME/payout or ~/.local/state/payout]',
          })
          .option('verbose', { type: 'boolean', default: false, describe: 'more detail on stderr' })
          .example('$0 run payroll.csv --dry-run', 'check every row and show the plan; send nothing')
          .example(
            '$0 run payroll.csv --api-key-file key.txt --expect-count 42 --max-amount USDT_TRC20=2000 --max-total USDT_TRC20=60000',
            'pay, refusing the run unless it has 42 valid rows and stays within the caps',
          )
          .example('$0 run payroll.csv --api-key-file key.txt', 'the same command again resumes a stopped run')
          .example('$0 resolve payroll.csv --row 7 --paid INV-XXXXXXXX', 'settle an unknown row, then run again'),
      (args) => {
        result = (async () => {
          if (args.sandbox && args.baseUrl !== undefined)
            throw new UsageError('--sandbox runs its own emulator; leave out --base-url');
          const options: RunOptions = {
            input: args.input,
            ...(args.out !== undefined && { out: args.out }),
            ...(args.checkpoint !== undefined && { checkpoint: args.checkpoint }),
            dryRun: args.dryRun,
            yes: args.yes,
            baseUrl: args.baseUrl ?? process.env.CRYPTOCLOUD_BASE_URL ?? DEFAULT_BASE_URL,
            intervalMs: parseMs('interval', args.interval, 1),
            marginMs: parseMs('margin', args.margin, 0),
            timeoutMs: parseMs('timeout', args.timeout, 1),
            sandbox: args.sandbox,
            skipInvalid: args.skipInvalid,
            retryFailed: args.retryFailed,
            allowDuplicates: args.allowDuplicates,
            decimalComma: args.decimalComma,
            ...(args.columns !== undefined && { columns: args.columns }),
            allowRepeat: args.allowRepeat,
            balanceCheck: args.balanceCheck,
          };
          const [{ parseCurrencyAmounts, parseCount }, { defaultHistoryDir }] = await Promise.all([
            import('../plan/caps.js'),
            import('../ledger/history-dir.js'),
          ]);
          options.caps = {
            ...(args.maxAmount && { maxAmount: parseCurrencyAmounts('max-amount', args.maxAmount) }),
            ...(args.maxTotal && { maxTotal: parseCurrencyAmounts('max-total', args.maxTotal) }),
            ...(args.expectCount !== undefined && { expectCount: parseCount('expect-count', args.expectCount) }),
            ...(args.expectTotal && { expectTotal: parseCurrencyAmounts('expect-total', args.expectTotal, true) }),
          };
          options.historyDir = args.historyDir ?? defaultHistoryDir(process.env);
          const apiKey = options.dryRun || options.sandbox ? undefined : readApiKey(args.apiKeyFile);
          if (apiKey) options.apiKey = apiKey;
          const { resolvePaths } = await import('../output/paths.js');
          const paths = resolvePaths(options.input, options);
          // On a terminal (stderr), a progress bar with the log lines above it; elsewhere one plain line per row.
          const [{ openStatusLine }, { BarProgress, LineProgress }] = await Promise.all([
            import('./status-line.js'),
            import('../pay/progress.js'),
          ]);
          const statusLine = openStatusLine(process.stderr, process.env);
          const log = await createLogger({
            logFile: paths.log,
            secrets: apiKey ? [apiKey] : [],
            verbose: args.verbose,
            ...(statusLine && { console: statusLine }),
          });
          const progress = statusLine
            ? new BarProgress(log, statusLine, { color: statusLine.color })
            : new LineProgress(log);
          const deps = makeDeps(log, { ...(statusLine && { statusLine }), progress });
          const [{ run }, { connect }] = await Promise.all([import('../commands/run.js'), import('./connect.js')]);
          const summary = await run(options, deps, connect);
          return summary.exitCode;
        })();
      },
    )
    .command(
      'status <input>',
      'what the checkpoint says: paid / failed / unknown / pending, totals',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true })
          .option('checkpoint', { type: 'string', describe: 'the checkpoint [default: <input stem>.checkpoint.jsonl]' })
          .option('out', {
            type: 'string',
            describe: 'the output CSV it brings up to date [default: <input stem>.results.csv]',
          })
          .option('columns', { type: 'string', describe: 'other header names, as given to run' })
          .option('decimal-comma', { type: 'boolean', default: false })
          .option('json', {
            type: 'boolean',
            default: false,
            describe: 'print the report as JSON on stdout (nothing else goes to stdout)',
          })
          .option('history-dir', {
            type: 'string',
            describe: 'the state directory holding the outbox [default: as for run]',
          })
          .example('$0 status payroll.csv', 'where a payroll stands: paid, pending, unknown, failed')
          .example('$0 status payroll.csv --json', 'the same counts, for a script'),
      (args) => {
        result = (async () => {
          const [{ status }, { parseColumnsOption }, { defaultHistoryDir }] = await Promise.all([
            import('../commands/status.js'),
            import('../csv/read.js'),
            import('../ledger/history-dir.js'),
          ]);
          const deps = makeDeps(await createLogger());
          const report = await status(
            {
              input: args.input,
              ...(args.checkpoint !== undefined && { checkpoint: args.checkpoint }),
              ...(args.out !== undefined && { out: args.out }),
              ...(args.columns !== undefined && { columns: { columnNames: parseColumnsOption(args.columns) } }),
              decimalComma: args.decimalComma,
              json: args.json,
              historyDir: args.historyDir ?? defaultHistoryDir(process.env),
            },
            deps,
          );
          if (args.json) deps.print(JSON.stringify(report, null, 2));
          return EXIT.ok;
        })();
      },
    )
    .command(
      'resolve <input>',
      'settle a row whose outcome is unknown, after checking the dashboard',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true })
          .option('row', { type: 'number', demandOption: true, describe: 'the row number (data rows counted from 1)' })
          .option('paid', { type: 'string', describe: 'it was paid: the INV- id from the dashboard' })
          .option('not-paid', { type: 'boolean', describe: 'it was not paid: the next run sends it' })
          .option('checkpoint', { type: 'string' })
          .option('out', { type: 'string' })
          .option('columns', { type: 'string', describe: 'other header names, as given to run' })
          .option('decimal-comma', { type: 'boolean', default: false })
          .option('history-dir', {
            type: 'string',
            describe: 'the state directory whose outbox learns the verdict [default: as for run]',
          })
          .conflicts('paid', 'not-paid')
          .example(
            '$0 resolve payroll.csv --row 7 --paid INV-XXXXXXXX',
            'row 7 was paid: the dashboard shows its invoice',
          )
          .example('$0 resolve payroll.csv --row 7 --not-paid', 'row 7 was not paid: the next run sends it'),
      (args) => {
        result = (async () => {
          if ((args.paid === undefined) === (args.notPaid !== true))
            throw new UsageError('say what the dashboard shows: --paid INV-XXXXXXXX or --not-paid');
          const [{ resolve }, common] = await Promise.all([
            import('../commands/resolve.js'),
            checkpointCommandOf(args),
          ]);
          await resolve(
            { ...common.options, row: args.row, invoiceId: args.paid ?? null },
            makeDeps(await createLogger({ logFile: common.logFile })),
          );
          return EXIT.ok;
        })();
      },
    )
    .command(
      'recover <input>',
      "bring a checkpoint that is behind this machine's outbox (restored from a backup) up to date from it; sends nothing",
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true })
          .option('checkpoint', { type: 'string' })
          .option('out', { type: 'string' })
          .option('columns', { type: 'string', describe: 'other header names, as given to run' })
          .option('decimal-comma', { type: 'boolean', default: false })
          .option('history-dir', {
            type: 'string',
            describe: 'the state directory holding the outbox [default: as for run]',
          })
          .example('$0 recover payroll.csv', 'after restoring payroll.checkpoint.jsonl from a backup'),
      (args) => {
        result = (async () => {
          const [{ recover }, common] = await Promise.all([
            import('../commands/recover.js'),
            checkpointCommandOf(args),
          ]);
          await recover(common.options, makeDeps(await createLogger({ logFile: common.logFile })));
          return EXIT.ok;
        })();
      },
    )
    .command(
      'sandbox',
      'start the local CryptoCloud emulator and print its base URL',
      (y) =>
        y
          .option('port', { type: 'number', default: 0, describe: 'port on 127.0.0.1 (0: any free port)' })
          .option('interval', {
            type: 'string',
            default: '12000',
            describe: 'the gap it enforces between request arrivals, in ms',
          })
          .option('api-key-file', { type: 'string', describe: 'accept only this key [default: any non-empty key]' })
          .option('ledger', { type: 'string', describe: 'append every request it sees to this file (JSON lines)' })
          .option('rate-limit-status', {
            choices: ['400', '429'] as const,
            default: '400' as const,
            describe: 'how a too-early request is answered',
          })
          .option('latency', {
            type: 'string',
            describe: 'delay every answer by MIN,MAX ms (drawn per answer; for crash tests) [default: 0]',
          })
          .example(
            '$0 sandbox --port 8080',
            'then: payout run payroll.csv --base-url http://127.0.0.1:8080 --interval 500',
          )
          .example('$0 sandbox --ledger requests.jsonl', 'also write every request it sees to a file'),
      (args) => {
        result = (async () => {
          const { serveSandbox } = await import('./serve-sandbox.js');
          const apiKey = args.apiKeyFile ? readApiKey(args.apiKeyFile) : undefined;
          return serveSandbox(
            {
              port: args.port,
              intervalMs: parseMs('interval', args.interval, 0),
              ...(apiKey && { apiKey }),
              ...(args.ledger !== undefined && { ledgerFile: args.ledger }),
              rateLimitStyle: args.rateLimitStatus,
              ...(args.latency !== undefined && { latencyMs: parseMsRange('latency', args.latency) }),
            },
            makeDeps(await createLogger()),
          );
        })();
      },
    )
    .demandCommand(1, 'Name a command: run, status, resolve, recover or sandbox.')
    .strict()
    .help()
    .version(toolInfo().version)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  skipHelpCache(parser);
  await parser.parseAsync();
  return result ? await result : EXIT.ok;
}
