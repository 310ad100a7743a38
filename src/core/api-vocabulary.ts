/**
 * Words of the CryptoCloud API that both the client and the emulator speak.
 */

/** The error keys that mean "rejected before processing": certainly not paid. */
export const REJECT_KEYS = ['required_parameter', 'currency_code', 'network', 'uncorrected_amount', 'validate_error'] as const;

/** One of {@link REJECT_KEYS}. */
export type RejectKey = (typeof REJECT_KEYS)[number];
