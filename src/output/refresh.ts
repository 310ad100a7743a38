/**
 * Keeps the output CSV current during a run without ever writing it twice at once: a refresh
 * asked for while one is running is done once, after it.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { adviceOf, DiskError, ExitError } from '../core/errors.js';
import type { Logger } from '../log.js';

export class OutputRefresher {
  private running: Promise<void> | undefined;
  private again = false;
  /** The first refresh a disk refused (full, read-only, failing): the run stops before its next send. */
  private diskFailure: DiskError | undefined;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Asks for a refresh; returns at once. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /**
   * Waits for the refresh under way, then throws if a disk refused one: a run does not go on
   * paying while its output cannot be written. The journal has every payment, so nothing is lost.
   */
  async check(): Promise<void> {
    await this.running;
    if (this.diskFailure) {
      throw this.diskFailure.with({
        recorded:
          'The checkpoint holds every request sent and its answer; the next run writes the output CSV again from it.',
      });
    }
  }

  /** Waits for any refresh under way (the caller writes the final output itself). */
  async settle(): Promise<void> {
    this.again = false;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.refresh();
      } catch (error) {
        if (error instanceof DiskError) {
          this.diskFailure ??= error;
          continue;
        }
        // The journal is the record; the output is rebuilt from it at the end and on every run.
        // Said without closing words: the run is sending, and goes on.
        const said = error instanceof ExitError ? adviceOf(error.words) : (error as Error).message;
        this.logger.warn(`could not refresh the output CSV: ${said}`);
      }
    } while (this.again);
    this.running = undefined;
  }
}
