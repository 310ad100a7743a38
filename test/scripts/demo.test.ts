/**
 * `npm run demo` writes no escape codes into a pipe or a file, or when NO_COLOR is set; on a
 * terminal it may make its command lines bold. The demo runs as a real process (on the built
 * CLI), once piped and once on a pseudo-terminal made by util-linux `script`.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
// @ts-expect-error: a plain JS module of the demo, without types.
import { childEnv, commandLine, escapesAllowed } from '../../scripts/demo-style.js';
import { ROOT } from '../helpers/payroll.js';

const DEMO = join(ROOT, 'scripts', 'demo.js');
const ESC = '\x1b';
const FAST = { PAYOUT_DEMO_INTERVAL_MS: '200' };

describe('escapesAllowed', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [undefined, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '0' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [true, { TERM: 'xterm-256color' }, true],
  ])('isTTY %s, env %j: %s', (isTTY, env, allowed) => {
    expect(escapesAllowed({ isTTY, env })).toBe(allowed);
  });

  it('writes command lines plain, and turns the children plain too, when escapes are off', () => {
    expect(commandLine('payout status x.csv', false)).toBe('\n$ payout status x.csv\n');
    expect(commandLine('payout status x.csv', true)).toBe('\n\x1b[1m$ payout status x.csv\x1b[0m\n');
    expect(childEnv({ A: 'b' }, false)).toEqual({ A: 'b', TERM: 'dumb', NO_COLOR: '1' });
    expect(childEnv({ A: 'b' }, true)).toEqual({ A: 'b' });
  });
});

describe('npm run demo', () => {
  it('into a pipe: the whole demo, without one escape code', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...FAST };
    delete env.NO_COLOR;
    const demo = spawnSync(process.execPath, [DEMO], { env, encoding: 'utf8', timeout: 60000 });
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('$ payout status');
    expect(demo.stdout).toMatch(/INV-/);
    expect([...demo.stdout, ...demo.stderr].filter((c) => c === ESC)).toEqual([]);
  }, 70000);

  it.each([
    ['with NO_COLOR set', { NO_COLOR: '1' }, false],
    ['without NO_COLOR', {}, true],
  ])(
    'on a terminal %s',
    (_, extra, escapes) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...FAST, TERM: 'xterm', ...extra };
      if (!('NO_COLOR' in extra)) delete env.NO_COLOR;
      // `script` gives the demo a pseudo-terminal and copies what it wrote to our stdout.
      const demo = spawnSync('script', ['-qec', `${process.execPath} ${DEMO}`, '/dev/null'], {
        env,
        encoding: 'utf8',
        timeout: 60000,
      });
      expect(demo.error).toBeUndefined();
      expect(demo.status).toBe(0);
      expect(demo.stdout).toContain('payout status');
      expect(demo.stdout.includes(ESC)).toBe(escapes);
    },
    70000,
  );
});
