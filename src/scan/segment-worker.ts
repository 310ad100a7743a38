/**
 * The main thread's side of the scan worker (scan-worker.ts): hands it segments of bytes and
 * gets their rows back, validated and packed, in the order they were handed over.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PayrollHeader } from '../csv/read.js';
import type { ValidateOptions } from '../validate/index.js';
import type { PackedRows } from './scan-pack.js';

export interface SegmentRequest {
  id: number;
  bytes: Uint8Array;
}

export type SegmentReply = { id: number; lines: number; packed: PackedRows } | { id: number; error: string };

/** A segment's rows as the worker sent them, and how many physical lines the segment spans. */
export interface SegmentResult {
  lines: number;
  packed: PackedRows;
}

/** A segment the worker could not parse; the scan words the error by reading the file in one piece. */
export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentError';
  }
}

/** Measured on the 1M-row bench payroll: 8 MB costs no time against the default (48 MB) and saves ~40 MB of RSS. */
const WORKER_YOUNG_MB = 8;

export class SegmentWorker {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (result: SegmentResult) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: SegmentReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('error' in reply) waiter?.reject(new SegmentError(reply.error));
      else waiter?.resolve({ lines: reply.lines, packed: reply.packed });
    });
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the scan worker stopped (exit code ${code})`)));
  }

  /** Starts the worker for a payroll with `header`. */
  static start(header: PayrollHeader, validate: ValidateOptions | undefined, file: URL = workerFile()): SegmentWorker {
    return new SegmentWorker(
      new Worker(file, {
        workerData: { header, validate: validate ?? {} },
        // Its garbage is short-lived (a segment's rows): a small young generation keeps its memory small.
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      }),
    );
  }

  /**
   * Parses and validates `segment` on the worker. A copy goes (a memcpy: cheap), so that the
   * segment is still here to be parsed on this thread if the worker fails.
   */
  submit(segment: Buffer): Promise<SegmentResult> {
    const result = this.failure
      ? Promise.reject(this.failure)
      : new Promise<SegmentResult>((resolve, reject) => {
          const id = this.nextId++;
          this.waiting.set(id, { resolve, reject });
          const request: SegmentRequest = {
            id,
            bytes: new Uint8Array(segment.buffer, segment.byteOffset, segment.byteLength),
          };
          this.worker.postMessage(request);
        });
    // A scan that stops early never awaits the segments it had handed over: not an unhandled rejection.
    result.catch(() => {});
    return result;
  }

  /** Stops the worker; segments not yet answered are rejected. */
  close(): void {
    this.fail(new Error('the scan worker was closed'));
    void this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}

/**
 * The worker's built file. From the built CLI it sits beside this one; when this module runs
 * from its TypeScript source (under Jest) the worker is the bundled one the bin ships,
 * dist/bundle/scan-worker.js, which `npm test` builds first (a worker thread cannot load
 * TypeScript). It starts in 109 ms of CPU against 243 ms for tsc's unbundled files, and a test
 * that forces two threads starts one per scan, output refreshes included (35 in one test).
 */
function workerFile(): URL {
  const here = new URL('./scan-worker.js', import.meta.url);
  return fileURLToPath(import.meta.url).endsWith('.ts')
    ? new URL('../../dist/bundle/scan-worker.js', import.meta.url)
    : here;
}
