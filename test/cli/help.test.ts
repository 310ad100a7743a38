/**
 * Each command's --help ends with examples, and every example is a command line the tool
 * accepts: each --option an example uses is one its command's help lists, so renaming an option
 * without its example fails here.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../helpers/payroll.js';

const COMMANDS = ['run', 'status', 'resolve', 'recover', 'sandbox'] as const;
const help = new Map<string, string>();

beforeAll(async () => {
  for (const command of COMMANDS) {
    const result = await runCli([command, '--help'], { timeoutMs: 20000 });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    help.set(command, result.stdout.replace(/\s+$/, ''));
  }
}, 60000);

/** The help's sections: a heading line ("Options:") and the lines under it. */
function sections(text: string): Array<{ heading: string; lines: string[] }> {
  const out: Array<{ heading: string; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Za-z ]*:$/.test(line)) out.push({ heading: line.slice(0, -1), lines: [] });
    else if (line.trim() !== '') out.at(-1)?.lines.push(line);
  }
  return out;
}

/**
 * The left column of each example: its command line. yargs pads the two columns apart and wraps
 * a long command line onto the next lines of the left column; a new example starts with `payout`
 * (or the environment it sets), anything else in the left column goes on the one before.
 */
function exampleCommands(text: string): string[] {
  const lines = sections(text).find((s) => s.heading === 'Examples')?.lines ?? [];
  const first = /^(\s{2}\S.*?\s{2,})\S/.exec(lines[0] ?? '');
  const width = first?.[1]!.length ?? 0;
  const commands: string[] = [];
  for (const line of lines) {
    const left = line.slice(0, width).trim();
    if (left === '') continue;
    if (/^(payout|[A-Z_]+=\S*)\s/.test(left) || commands.length === 0) commands.push(left);
    else commands[commands.length - 1] += ` ${left}`;
  }
  return commands;
}

/** Every --option the help lists, under any heading. */
function listedOptions(text: string): Set<string> {
  return new Set([...text.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

describe('--help', () => {
  it.each(COMMANDS)('of %s ends with its examples', (command) => {
    const parts = sections(help.get(command)!);
    expect(parts.at(-1)?.heading).toBe('Examples');
    expect(exampleCommands(help.get(command)!).length).toBeGreaterThan(0);
  });

  it.each(COMMANDS)('of %s: every example uses only options its command has', (command) => {
    for (const example of exampleCommands(help.get(command)!)) {
      const words = example.split(/\s+/);
      // The command an example runs: the word after `payout` (run's help also shows a resolve).
      const named = words[words.indexOf('payout') + 1]!;
      expect(COMMANDS).toContain(named);
      const listed = listedOptions(help.get(named)!);
      for (const option of words.filter((w) => w.startsWith('--')))
        expect({ example, option, listed: listed.has(option) }).toEqual({ example, option, listed: true });
    }
  });

  it('of run shows a dry run, a real run with caps and a resolve', () => {
    const examples = exampleCommands(help.get('run')!);
    expect(examples.some((e) => / run \S+ --dry-run$/.test(e))).toBe(true);
    expect(
      examples.some(
        (e) => /--expect-count \d+/.test(e) && /--max-amount \S+=\d+/.test(e) && /--max-total \S+=\d+/.test(e),
      ),
    ).toBe(true);
    expect(examples.some((e) => / resolve \S+ --row \d+ --paid INV-/.test(e))).toBe(true);
  });

  it('of resolve shows both verdicts', () => {
    const examples = exampleCommands(help.get('resolve')!);
    expect(examples.some((e) => /--paid INV-/.test(e))).toBe(true);
    expect(examples.some((e) => /--not-paid$/.test(e))).toBe(true);
  });
});
