/**
 * Keeps the output CSV current during a run without ever writing it twice at once: a refresh
 * asked for while one is running is done once, after it.
 */
import type { Logger } from '../log.js';

export class OutputRefresher {
  private running: Promise<void> | undefined;
  private again = false;

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
        // The journal is the record; the output is rebuilt from it at the end and on every run.
        this.logger.warn(`could not refresh the output CSV: ${(error as Error).message}`);
      }
    } while (this.again);
    this.running = undefined;
  }
}
