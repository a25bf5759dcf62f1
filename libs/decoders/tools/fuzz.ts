// Longer fuzz run of the flow-export decoders than CI's 100k cases each:
//   pnpm fuzz:decoders [--runs N] [--seed S] [netflow5|netflow9|ipfix|sflow …]
// Exits non-zero on the first failing case (fast-check prints the counterexample and seed).
import { fuzzDecoder, type FuzzTarget } from '../test/flow-export/fuzz-harness.js';

const ALL: FuzzTarget[] = ['netflow5', 'netflow9', 'ipfix', 'sflow'];
const args = process.argv.slice(2);
let runs = 2_000_000;
let seed: number | undefined;
const targets: FuzzTarget[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--runs') runs = Number(args[++i]);
  else if (a === '--seed') seed = Number(args[++i]);
  else if ((ALL as string[]).includes(a)) targets.push(a as FuzzTarget);
  else {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
}
if (!Number.isInteger(runs) || runs <= 0) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}
const chosen = targets.length > 0 ? targets : ALL;
const runSeed = seed ?? Date.now() % 2_147_483_647;
console.log(`fuzzing ${chosen.join(', ')}: ${runs} cases each, seed ${runSeed}`);
const rows: Record<string, unknown>[] = [];
for (const target of chosen) {
  const started = performance.now();
  const outcome = fuzzDecoder(target, runs, runSeed);
  const seconds = (performance.now() - started) / 1000;
  rows.push({
    decoder: target,
    cases: outcome.cases,
    'records decoded': outcome.records,
    'max templates/exporter': outcome.maxTemplatesHeld,
    'internal errors': outcome.internalErrors,
    'cases/s': Math.round(outcome.cases / seconds),
  });
}
console.table(rows);
