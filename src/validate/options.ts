/**
 * How the validation reads the payroll.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
export interface ValidateOptions {
  /**
   * Read amounts written with a decimal comma (`0,5` means one half). A point is then refused,
   * since in those locales it groups thousands and `1.500` could mean either.
   * @default false
   */
  decimalComma?: boolean;
}
