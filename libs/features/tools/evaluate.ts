// pnpm eval:features [-- --labels <labels.json>] [--threshold <bits/byte>]
// Evaluates the opaque verdict against the GFW rule set and an entropy threshold on a labelled
// corpus (default: the committed test/corpus), prints the table and writes
// bench-results/eval-features.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFeatureExtractor } from '../src/index.js';
import {
  evaluate,
  flatFigures,
  loadCorpus,
  regressions,
  renderTable,
  standardDetectors,
} from './evaluation.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({
  // pnpm passes the `--` separator through to the script.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    labels: { type: 'string', default: join(repoRoot, 'test', 'corpus', 'labels.json') },
    threshold: { type: 'string', default: '7.0' },
    out: { type: 'string', default: join(repoRoot, 'bench-results', 'eval-features.json') },
  },
});
const threshold = Number(values.threshold);
if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 8) {
  console.error(`--threshold must be bits/byte in (0, 8], got ${values.threshold}`);
  process.exit(2);
}

const corpus = loadCorpus(values.labels);
if (corpus.flows.length === 0) {
  console.error(`no labelled flows decoded from ${values.labels}`);
  process.exit(1);
}
const detectors = standardDetectors({ entropyThreshold: threshold });
const evaluation = evaluate(corpus.flows, detectors);

console.log(`corpus ${values.labels}: ${evaluation.flows} flows (${evaluation.positives} opaque)`);
if (corpus.unmatchedLabels.length > 0 || corpus.unlabelledFlows > 0) {
  console.log(
    `  ${corpus.unmatchedLabels.length} labels matched no decoded flow; ${corpus.unlabelledFlows} decoded flows had no label`,
  );
}
for (const d of detectors) console.log(`  ${d.name}: ${d.description}`);
console.log('');
console.log(renderTable(evaluation));
const problems = regressions(evaluation);
console.log('');
console.log(
  problems.length === 0
    ? 'opaqueflow is at least as good as both baselines on every class'
    : `worse than a baseline:\n  ${problems.join('\n  ')}`,
);

// Beyond opaque or not: how often the full verdict equals the label (tls, quic, media, …).
const extract = createFeatureExtractor();
const mismatches = new Map<string, number>();
let agreeing = 0;
for (const f of corpus.flows) {
  const verdict = extract(f.flow).verdict;
  if (verdict === f.label) agreeing++;
  else {
    const key = `${f.className}: labelled ${f.label}, judged ${verdict}`;
    mismatches.set(key, (mismatches.get(key) ?? 0) + 1);
  }
}
const accuracy = agreeing / corpus.flows.length;
console.log(
  `opaqueflow verdict equals the label on ${agreeing}/${corpus.flows.length} flows (${(100 * accuracy).toFixed(1)}%)`,
);
for (const [key, count] of mismatches) console.log(`  ${count} × ${key}`);

const figures: Record<string, number | string> = {
  opaqueflow_verdict_accuracy: accuracy,
  ...flatFigures(evaluation),
  unmatched_labels: corpus.unmatchedLabels.length,
  entropy_threshold_bits_per_byte: threshold,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
};
mkdirSync(join(values.out, '..'), { recursive: true });
writeFileSync(values.out, JSON.stringify(figures, null, 2) + '\n');
console.log(`wrote ${values.out}`);
