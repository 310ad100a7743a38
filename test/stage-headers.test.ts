/**
 * Every module of src/ says in its opening comment which stage it is in and what it may import,
 * in the words of the rank table that .dependency-cruiser.cjs enforces: a reader learns the rule
 * from the file, and the two cannot drift apart.
 */
import { expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

function rankTable(): Record<string, number> {
  const text = readFileSync(join(ROOT, '.dependency-cruiser.cjs'), 'utf8');
  const block = /const rank = \{([^}]*)\};/.exec(text)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/(\w+): (\d+)/g)].map(([, name, rank]) => [name, Number(rank)]));
}

/** The stage line for `stage`, unwrapped. */
function expectedLine(stage: string, rank: Record<string, number>): string {
  const own = rank[stage] ?? 0;
  const names = Object.keys(rank);
  const allowed = names
    .filter((name) => name !== stage && (rank[name] ?? 0) <= own)
    .sort((a, b) => (rank[b] ?? 0) - (rank[a] ?? 0) || names.indexOf(a) - names.indexOf(b));
  return allowed.length === 0
    ? `Stage ${stage}/: imports no other stage of src/.`
    : `Stage ${stage}/: may import ${allowed.join(', ')} (.dependency-cruiser.cjs).`;
}

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? modules(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('every module in a stage folder opens with what it may import, as the dependency rules say', () => {
  const rank = rankTable();
  expect(Object.keys(rank)).toEqual(expect.arrayContaining(['cli', 'commands', 'pay', 'plan', 'core']));
  const wrong: string[] = [];
  const files = modules(join(ROOT, 'src')).filter((file) => relative(join(ROOT, 'src'), file).includes('/'));
  expect(files.length).toBeGreaterThan(90);
  for (const file of files) {
    const stage = relative(join(ROOT, 'src'), file).split('/')[0] ?? '';
    const text = readFileSync(file, 'utf8').replace(/^#!.*\n/, '');
    const opening = /^\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
    const unwrapped = opening.replace(/\n \*( |$)/gm, ' ').replace(/\s+/g, ' ');
    if (!(stage in rank) || !unwrapped.includes(expectedLine(stage, rank))) wrong.push(relative(ROOT, file));
  }
  expect(wrong).toEqual([]);
});
