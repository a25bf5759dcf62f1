// Longer fuzz runs of the decoders than CI's 100k cases each:
//   pnpm fuzz:decoders [--runs N] [--seed S] [netflow5|netflow9|ipfix|sflow|capture …]
// Flow-export decoders run in this process; `capture` reruns the capture decoders' own fuzz
// test (libs/decoders/test/capture/fuzz.test.ts) with the same number of cases.
// Exits non-zero on the first failing case (fast-check prints the counterexample and seed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fuzzDecoder, type FuzzTarget } from '../test/flow-export/fuzz-harness.js';

const FLOW_EXPORT: FuzzTarget[] = ['netflow5', 'netflow9', 'ipfix', 'sflow'];
const captureFuzz = fileURLToPath(new URL('../test/capture/fuzz.test.ts', import.meta.url));
// pnpm passes a separating '--' through to the script.
const args = process.argv.slice(2).filter((a) => a !== '--');
let runs = 2_000_000;
let seed: number | undefined;
const chosen: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--runs') runs = Number(args[++i]);
  else if (a === '--seed') seed = Number(args[++i]);
  else if ((FLOW_EXPORT as string[]).includes(a) || a === 'capture') chosen.push(a);
  else {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
}
if (!Number.isInteger(runs) || runs <= 0) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}
const targets =
  chosen.length > 0 ? chosen : [...FLOW_EXPORT, ...(existsSync(captureFuzz) ? ['capture'] : [])];
const runSeed = seed ?? Date.now() % 2_147_483_647;
console.log(`fuzzing ${targets.join(', ')}: ${runs} cases each, seed ${runSeed}`);

const rows: Record<string, unknown>[] = [];
for (const target of targets.filter((t): t is FuzzTarget => t !== 'capture')) {
  const started = performance.now();
  const outcome = fuzzDecoder(target, runs, runSeed);
  const seconds = (performance.now() - started) / 1000;
  rows.push({
    decoder: target,
    cases: outcome.cases,
    'records decoded': outcome.records,
    'max templates/domain': outcome.maxTemplatesHeld,
    'template evictions': outcome.templateEvictions,
    'internal errors': outcome.internalErrors,
    'cases/s': Math.round(outcome.cases / seconds),
  });
}
if (rows.length > 0) console.table(rows);

if (targets.includes('capture')) {
  console.log(`capture decoders: ${captureFuzz} with ${runs} cases per format`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', '--test', captureFuzz],
    { stdio: 'inherit', env: { ...process.env, OPAQUEFLOW_FUZZ_RUNS: String(runs) } },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
