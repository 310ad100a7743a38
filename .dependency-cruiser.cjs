/**
 * The import rules of the house: no cycles (type-only imports included, since a type cycle is a
 * design cycle), and the stages import one way only:
 *   cli -> commands -> pay -> plan -> {output, ledger, scan} -> {journal, csv, validate, api, schedule} -> core
 * `sandbox` is the emulator: only the CLI and the tests start it, and it imports nothing above `api`.
 */
const rank = {
  cli: 7,
  commands: 6,
  pay: 5,
  plan: 4,
  output: 3,
  ledger: 3,
  scan: 3,
  journal: 2,
  csv: 2,
  validate: 2,
  api: 2,
  schedule: 2,
  sandbox: 2,
  core: 1,
};
const folders = Object.keys(rank);

/**
 * For each stage, the stages it may not import: those above it. Stages of one rank (the scan, the
 * output and the ledger; the lower folders) may use each other, and the cycle rule keeps each
 * pair of modules one-way.
 */
const layerRules = folders.map((from) => {
  const forbidden = folders.filter((to) => rank[to] > rank[from]);
  return {
    name: `layer-${from}`,
    comment: `${from}/ may not import ${forbidden.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${from}/` },
    to: { path: `^src/(${forbidden.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle, even of types only, means two modules are one concept split in two.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'process-only-in-cli',
      comment: 'Only the CLI exits the process; everything below it returns or throws.',
      severity: 'error',
      from: { path: '^src/(?!cli/)' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
