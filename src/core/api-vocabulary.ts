/**
 * Words of the CryptoCloud API that both the client and the emulator speak.
 *
 * Stage core/: imports no other stage of src/.
 */

/** The error keys that mean "rejected before processing": certainly not paid. */
export const REJECT_KEYS = [
  'required_parameter',
  'currency_code',
  'network',
  'uncorrected_amount',
  'validate_error',
] as const;

/** One of {@link REJECT_KEYS}. */
export type RejectKey = (typeof REJECT_KEYS)[number];

/** Where the real API lives. */
export const DEFAULT_BASE_URL = 'https://api.cryptocloud.plus';

/**
 * True for a host name that is this machine: where a key may travel over plain http and a
 * shorter interval than the API's may be used (the sandbox).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
