// Preloaded into every test process by run-tests.mjs: one seed for every fast-check property
// of the run, printed when the process fails, so a red run replays exactly:
//   SEED=<n> node scripts/run-tests.mjs <dir>
// Without SEED a fresh seed is drawn per run. A property that passes its own `seed` keeps it
// (fixed-seed fuzzers); fast-check also names the seed and path in each failure report.
// FC_NUM_RUNS=<n> sets the run count of properties that do not give one (hunting runs).
import fc from 'fast-check';

const given = process.env['SEED'];
const seed =
  given === undefined || given === '' ? (Date.now() ^ (process.pid << 16)) | 0 : Number(given);
if (!Number.isInteger(seed)) {
  console.error(`SEED must be an integer, got ${JSON.stringify(given)}`);
  process.exit(2);
}
const runs = process.env['FC_NUM_RUNS'];
fc.configureGlobal({
  seed,
  ...(runs === undefined || runs === '' ? {} : { numRuns: Number(runs) }),
});

process.on('exit', (code) => {
  if (code !== 0 || (process.exitCode ?? 0) !== 0)
    console.error(
      `\nrandomised tests used SEED=${seed}; replay with SEED=${seed} node scripts/run-tests.mjs …`,
    );
});

/** The seed of this process, for generators of our own (seed them from it, never Math.random). */
export const TEST_SEED = seed;
