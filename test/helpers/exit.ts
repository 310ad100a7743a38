/**
 * An exit code is never enough: exit 2 is also what a misread option gives, and exit 3 is also
 * the internal-error code (a run that crashed ends with it). A test that expects 2 or 3 says why.
 */
import { expect } from '@jest/globals';

/** What a finished process gave: its exit code and what it wrote. */
export interface Exited {
  code: number | null;
  stderr: string;
  stdout?: string;
}

/**
 * Expects `result` to have exited with `code` and said `says` on `stream` (stderr unless told:
 * the run's closing summary, "N row(s) are unknown", is on stdout), and not as an internal error
 * (the catch-all's words, which a bug in the tool prints with the same exit 3).
 */
export function expectExit(
  result: Exited,
  code: 2 | 3,
  says: RegExp | string,
  stream: 'stderr' | 'stdout' = 'stderr',
): void {
  // The code and stderr together, so that a wrong code shows what the process said.
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code });
  expect(result[stream]).toMatch(says);
  expect(result.stderr).not.toMatch(/internal error/i);
}
