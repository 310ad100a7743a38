/**
 * Where a run keeps its files: beside the input unless the operator says otherwise.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { basename, dirname, extname, join, resolve } from 'node:path';

export interface RunPaths {
  input: string;
  out: string;
  checkpoint: string;
  log: string;
  /** The run's record and the output's proof of ownership, beside the output. */
  manifest: string;
}

/** The contract's defaults: `<stem>.results.csv` and `<stem>.checkpoint.jsonl` beside the input; the log and the manifest beside the output. */
export function resolvePaths(input: string, given: { out?: string; checkpoint?: string; log?: string } = {}): RunPaths {
  const inputPath = resolve(input);
  const stem = join(dirname(inputPath), basename(inputPath, extname(inputPath)));
  const out = resolve(given.out ?? `${stem}.results.csv`);
  const outStem = join(dirname(out), basename(out, extname(out)));
  return {
    input: inputPath,
    out,
    checkpoint: resolve(given.checkpoint ?? `${stem}.checkpoint.jsonl`),
    log: resolve(given.log ?? `${outStem}.log.jsonl`),
    manifest: `${outStem}.manifest.json`,
  };
}
