/**
 * `payout --version` prints the version in payout's own package.json, wherever it is run from:
 * a bundle moves yargs' own lookup, which then found no package.json (`unknown`) or the one of
 * whatever project the operator stood in.
 */
import { afterAll, expect, it } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from '../helpers/payroll.js';

const dir = tempDir('payout-version-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("prints payout's version, not that of the folder it is run from", async () => {
  const own = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'someone-else', version: '9.9.9' }));
  const result = await runCli(['--version'], { cwd: dir, timeoutMs: 20000 });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout.trim()).toBe(own);
  expect(own).toMatch(/^\d+\.\d+\.\d+/);
});
