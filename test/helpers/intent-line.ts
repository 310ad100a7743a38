/**
 * The length of the intent line the send loop writes for a row, with its wall and monotonic times
 * (their digits do not change within a test): for full-disk tests that leave exactly that much room.
 */
import type { RowToSend } from '../../src/pay/send-loop.js';
import { recordedMs, systemClock } from '../../src/schedule/clock.js';

export function intentLength(row: RowToSend): number {
  const { currencyCode, toAddress, amount } = row.payout;
  const now = systemClock.now();
  const entry = {
    type: 'intent',
    row: row.rowNumber,
    attempt: 1,
    at: now.wallMs,
    currency_code: currencyCode,
    to_address: toAddress,
    amount,
    boot: now.boot,
    atMono: recordedMs(now.monoMs),
  };
  return Buffer.byteLength(`${JSON.stringify(entry)}\n`);
}
