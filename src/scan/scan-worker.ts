/**
 * The scan's second thread: parses and validates the segments of a payroll that the main thread
 * hands it (segment-worker.ts), and sends each segment's rows back packed (scan-pack.ts). Pure
 * work on bytes it is given: it opens no file and sends nothing anywhere else.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseSegment, type PayrollHeader } from '../csv/read.js';
import { prepareValidation, validateRow, type ValidateOptions } from '../validate/index.js';
import { packRows, payoutFieldsOf } from './scan-pack.js';
import type { SegmentReply, SegmentRequest } from './segment-worker.js';

const { header, validate } = workerData as { header: PayrollHeader; validate: ValidateOptions };
const port = parentPort;
if (!port) throw new Error('scan-worker.js runs only as a worker thread');

await prepareValidation();
port.on('message', ({ id, bytes }: SegmentRequest) => {
  let reply: SegmentReply;
  try {
    const { rows, lines } = parseSegment(bytes, header);
    const verdicts = rows.map((row) => validateRow(payoutFieldsOf(row, header), validate));
    reply = { id, lines, packed: packRows(rows, verdicts, header) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, 'packed' in reply ? [reply.packed.lineNumbers.buffer as ArrayBuffer] : []);
});
