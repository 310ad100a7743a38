/**
 * payout speaks English whatever the operator's locale: yargs' own messages too, in the bundle
 * (which holds no translation files) and in tsc's unbundled build alike.
 */
import { expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/payroll.js';

it.each([
  ['the bundled bin', CLI],
  ["tsc's build", join(ROOT, 'dist', 'cli', 'main.js')],
])('%s says a missing argument in English under LANG=de_DE.UTF-8', (_name, file) => {
  const result = spawnSync(process.execPath, [file, 'run'], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', LANGUAGE: 'de' },
    timeout: 20000,
  });
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/Not enough non-option arguments: got 0, need at least 1/);
  expect(result.stderr).not.toMatch(/internal error/);
});
