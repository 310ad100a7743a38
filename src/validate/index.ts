/**
 * The validation stage: pure (no I/O), one row at a time.
 *
 * validateRow(fields) → { ok: true, payout } | { ok: false, problems }, where every problem names
 * its column, the value as read (shortened when long) and a reason for a finance operator.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { PayoutFields, RowVerdict } from '../core/types.js';
import { prepareKeccak } from './address/index.js';
import type { ValidateOptions } from './options.js';
import { validateFields } from './row.js';

export type { ValidateOptions } from './options.js';

/** Validates one row's three fields (exactly as read from the CSV, untrimmed). Never throws for bad data. */
export function validateRow(fields: PayoutFields, options?: ValidateOptions): RowVerdict {
  return validateFields(fields, options);
}

/**
 * Optional async warm-up: instantiates the WebAssembly keccak-256, which makes the EIP-55 check
 * of mixed-case EVM addresses several times faster. validateRow gives the same verdicts without
 * it (it falls back to @noble/hashes), so a failure here is ignored.
 */
export async function prepareValidation(): Promise<void> {
  await prepareKeccak();
}
