import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asymptoticMoments, randomEntropyMoments } from '../../src/randomness/expected.js';
import { shannonEntropy } from '../../src/randomness/analyse.js';
import { seededBytes } from '../flow.js';

test('two bytes: entropy is 1 unless they collide (exact closed form)', () => {
  const p = 1 / 256;
  const m = randomEntropyMoments(2);
  assert.ok(Math.abs(m.mean - (1 - p)) < 1e-12);
  assert.ok(Math.abs(m.sd - Math.sqrt(p * (1 - p))) < 1e-12);
});

test('degenerate lengths have zero mean and spread', () => {
  for (const n of [0, 1, -3, Number.NaN])
    assert.deepEqual(randomEntropyMoments(n), { mean: 0, sd: 0 });
});

test('exact moments agree with a seeded Monte-Carlo simulation', () => {
  for (const n of [16, 40, 100, 256, 1024]) {
    const samples = 3000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < samples; i++) {
      const h = shannonEntropy(seededBytes(n, n * 100_003 + i));
      sum += h;
      sumSq += h * h;
    }
    const mean = sum / samples;
    const sd = Math.sqrt(sumSq / samples - mean * mean);
    const exact = randomEntropyMoments(n);
    const standardError = exact.sd / Math.sqrt(samples);
    assert.ok(
      Math.abs(mean - exact.mean) < 4 * standardError,
      `n=${n}: simulated mean ${mean} vs exact ${exact.mean} (se ${standardError})`,
    );
    assert.ok(
      Math.abs(sd / exact.sd - 1) < 0.08,
      `n=${n}: simulated sd ${sd} vs exact ${exact.sd}`,
    );
  }
});

test('exact moments converge to the large-n expansion', () => {
  const exact = randomEntropyMoments(65_536);
  const asymptotic = asymptoticMoments(65_536);
  assert.ok(Math.abs(exact.mean - asymptotic.mean) < 1e-5);
  assert.ok(Math.abs(exact.sd / asymptotic.sd - 1) < 0.01);
  // Beyond the exact range the expansion is used, and stays below 8.
  const beyond = randomEntropyMoments(1_000_000);
  assert.ok(beyond.mean < 8 && beyond.mean > 7.9998);
});

test('expected entropy rises with length and short payloads cannot reach 8 bits/byte', () => {
  let previous = 0;
  for (const n of [8, 16, 40, 100, 256, 1024, 4096]) {
    const { mean } = randomEntropyMoments(n);
    assert.ok(mean > previous && mean < Math.min(8, Math.log2(n)) + 1e-12);
    previous = mean;
  }
  assert.ok(randomEntropyMoments(40).mean < 5.3);
});
