/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and ranks functions by self time.
 * Usable alone: `node scripts/bench/lib/profile.js FILE.cpuprofile [N]` (run from the repository root).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Self time per function (same name, file and line merged across call sites), largest first:
 * `[{ name, where, selfMs, percent }]`, with `totalMs` the profile's sampled time.
 */
export function summariseProfile(path, { root = process.cwd(), top = 15, untilMs } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  forEachSample(profile, untilMs, (id, us) => selfUs.set(id, (selfUs.get(id) ?? 0) + us));
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const frame = byNode.get(id)?.callFrame ?? {};
    const name = frame.functionName || '(anonymous)';
    const where = frame.url ? `${shortUrl(frame.url, root)}:${(frame.lineNumber ?? 0) + 1}` : '';
    const key = `${name}\u0000${where}`;
    const entry = byFunction.get(key) ?? { name, where, selfUs: 0 };
    entry.selfUs += us;
    byFunction.set(key, entry);
  }
  const ranked = [...byFunction.values()].sort((a, b) => b.selfUs - a.selfUs).slice(0, top);
  return {
    totalMs: totalUs / 1000,
    top: ranked.map((e) => ({
      name: e.name,
      where: e.where,
      selfMs: e.selfUs / 1000,
      percent: (100 * e.selfUs) / (totalUs || 1),
    })),
  };
}

/** Self time grouped by where the code lives: the product (dist/), each package, node itself, V8's own buckets. */
export function summariseByOwner(path, { root = process.cwd(), untilMs } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const owners = new Map();
  let totalUs = 0;
  forEachSample(profile, untilMs, (id, us) => {
    const owner = ownerOf(byNode.get(id)?.callFrame ?? {}, root);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    totalUs += us;
  });
  return [...owners.entries()]
    .map(([owner, us]) => ({ owner, selfMs: us / 1000, percent: (100 * us) / (totalUs || 1) }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/**
 * Inclusive time (the function and what it calls) of the product's own functions (under dist/),
 * largest first. Only synchronous nesting is seen: after an `await` a function resumes from the
 * microtask queue, so an async caller does not include what its awaited callees did.
 */
export function summariseInclusive(path, { root = process.cwd(), top = 12, untilMs, prefix = 'dist/' } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = new Map();
  for (const node of profile.nodes) {
    const frame = node.callFrame ?? {};
    const where = frame.url ? `${shortUrl(frame.url, root)}:${(frame.lineNumber ?? 0) + 1}` : '';
    keyOf.set(node.id, where.startsWith(prefix) ? `${frame.functionName || '(anonymous)'}  ${where}` : undefined);
  }
  const inclusive = new Map();
  let totalUs = 0;
  forEachSample(profile, untilMs, (id, us) => {
    totalUs += us;
    const seen = new Set();
    for (let node = id; node !== undefined; node = parent.get(node)) {
      const key = keyOf.get(node);
      if (key && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  });
  return [...inclusive.entries()]
    .map(([key, us]) => ({ key, ms: us / 1000, percent: (100 * us) / (totalUs || 1) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}

/**
 * Calls `visit(nodeId, µs)` for each sample, with the time until the next sample as its weight;
 * with `untilMs`, only the samples taken within that long of the profile's start.
 */
function forEachSample(profile, untilMs, visit) {
  const deltas = profile.timeDeltas ?? [];
  const limitUs = untilMs === undefined ? Infinity : untilMs * 1000;
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    atUs += deltas[i] ?? 0;
    if (atUs > limitUs) break;
    visit(profile.samples[i], deltas[i + 1] ?? 0);
  }
}

function ownerOf(frame, root) {
  const url = frame.url ?? '';
  if (!url) return frame.functionName?.startsWith('(') ? frame.functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: core';
  const file = shortUrl(url, root);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1];
  if (file.startsWith('dist/')) return `dist/${file.split('/')[1]}`;
  return file;
}

function shortUrl(url, root) {
  if (!url.startsWith('file://')) return url;
  return relative(root, fileURLToPath(url));
}

/** Markdown-ish lines for a summary (for the console and the report). */
export function formatProfile(summary, owners, inclusive) {
  const lines = [`sampled ${(summary.totalMs / 1000).toFixed(2)} s; top self time:`];
  for (const e of summary.top) {
    lines.push(`  ${e.percent.toFixed(1).padStart(5)} %  ${e.selfMs.toFixed(0).padStart(6)} ms  ${e.name}  ${e.where}`);
  }
  if (owners) {
    lines.push('self time by owner:');
    for (const o of owners.slice(0, 10)) lines.push(`  ${o.percent.toFixed(1).padStart(5)} %  ${o.owner}`);
  }
  if (inclusive) {
    lines.push('inclusive time of product functions (synchronous callees only):');
    for (const e of inclusive)
      lines.push(`  ${e.percent.toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(6)} ms  ${e.key}`);
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node scripts/bench/lib/profile.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 20);
  process.stdout.write(
    `${formatProfile(summariseProfile(file, { top }), summariseByOwner(file), summariseInclusive(file)).join('\n')}\n`,
  );
}
