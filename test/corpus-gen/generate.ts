// pnpm corpus:generate [-- --out <dir>] [--flows-per-class N] [--seed S] [--class name,…]
// pnpm corpus:generate -- --ci      rewrites the committed CI corpus under test/corpus/
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue } from './catalogue.js';
import { generateCorpus } from './corpus.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = resolve(here, '../corpus');

export const CI_SEED = 'opaqueflow-ci-1';
export const CI_FLOWS_PER_CLASS = 3;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    out: { type: 'string' },
    'flows-per-class': { type: 'string' },
    seed: { type: 'string' },
    class: { type: 'string' },
    ci: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: pnpm corpus:generate -- [--out dir] [--flows-per-class N] [--seed S] [--class a,b]\n' +
      '       pnpm corpus:generate -- --ci   (the committed corpus in test/corpus/)\n' +
      `classes: ${catalogue.map((c) => c.name).join(' ')}`,
  );
  process.exit(0);
}

if (values.list) {
  // Markdown rows for the class table in test/corpus/README.md.
  for (const c of catalogue)
    console.log(
      `| \`${c.name}\` | ${c.label} | ${c.transport} | ${c.ports.join(', ')} | ${c.description} |`,
    );
  process.exit(0);
}

const flowsPerClass = Number(values['flows-per-class'] ?? (values.ci ? CI_FLOWS_PER_CLASS : 20));
if (!Number.isInteger(flowsPerClass) || flowsPerClass < 1 || flowsPerClass > 5000) {
  console.error(
    `--flows-per-class must be an integer from 1 to 5000, got ${values['flows-per-class']}`,
  );
  process.exit(2);
}
if (values.ci && values.class) {
  console.error('--ci rewrites the whole committed corpus; --class cannot be combined with it');
  process.exit(2);
}
const only = values.class?.split(',').filter((s) => s.length > 0);
const unknown = only?.filter((n) => !catalogue.some((c) => c.name === n)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown class: ${unknown.join(', ')}`);
  process.exit(2);
}
const labelsDir = values.ci ? corpusDir : resolve(values.out ?? join(corpusDir, 'generated'));
const pcapDir = values.ci ? join(corpusDir, 'ci') : labelsDir;
const seed = values.seed ?? (values.ci ? CI_SEED : 'opaqueflow');

const started = Date.now();
const labels = await generateCorpus({
  labelsDir,
  pcapDir,
  flowsPerClass,
  seed,
  catalogue,
  ...(only ? { only } : {}),
  onFlow: (f) =>
    process.stderr.write(
      `${f.class.padEnd(28)} ${f.label.padEnd(10)} ${f.srcIp} → ${f.dstIp}:${f.dstPort}\n`,
    ),
});
console.log(
  `${labels.flows.length} flows in ${new Set(labels.flows.map((f) => f.file)).size} files, ` +
    `labels in ${join(labelsDir, 'labels.json')} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
// A flow abandoned after a timeout may leave a socket behind; it must not keep the command alive.
process.exit(0);
