// How `npm run demo` writes: bold command lines on a terminal; plain text into a pipe or a file,
// or when NO_COLOR is set (no-color.org: any value but the empty string). Pure, for its tests.

/** Whether escape codes may be written: a terminal, NO_COLOR unset, and TERM not "dumb". */
export function escapesAllowed({ isTTY, env }) {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

/** The line the demo prints before each command it runs. */
export function commandLine(text, escapes) {
  return escapes ? `\n\x1b[1m$ ${text}\x1b[0m\n` : `\n$ ${text}\n`;
}

/**
 * The environment of the commands the demo runs. They write to the demo's own terminal and
 * decide for themselves; a terminal under NO_COLOR still gets a redrawn status line, so they
 * are told the terminal is dumb, which turns every escape off.
 */
export function childEnv(env, escapes) {
  return escapes ? env : { ...env, TERM: 'dumb', NO_COLOR: env.NO_COLOR || '1' };
}
