import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  analyseHistogram,
  analyseRandomness,
  shannonEntropy,
} from '../../src/randomness/analyse.js';
import { ascii, seededBytes } from '../flow.js';

test('entropy of simple distributions is exact', () => {
  assert.equal(shannonEntropy(ascii('aaaa')), 0);
  assert.equal(shannonEntropy(ascii('abab')), 1);
  assert.equal(shannonEntropy(ascii('abcd')), 2);
  assert.equal(shannonEntropy(new Uint8Array(0)), 0);
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(shannonEntropy(all), 8);
});

test('random bytes of every length from 16 up look random', () => {
  // Deterministic inputs: a seed whose bytes fail would make the test flaky otherwise.
  let rejected = 0;
  let total = 0;
  for (const n of [16, 24, 40, 64, 100, 256, 600, 1024]) {
    for (let seed = 0; seed < 200; seed++) {
      total++;
      if (!analyseRandomness(seededBytes(n, seed * 7919 + n)).looksRandom) rejected++;
    }
  }
  // The test's false-rejection rate is about 1e-3 at 16 bytes and lower above.
  assert.ok(rejected / total < 0.01, `${rejected}/${total} random payloads rejected`);
});

test('text, compressed data and structured binary do not look random', () => {
  const http = ascii('GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n');
  const detail = analyseRandomness(http);
  assert.equal(detail.looksRandom, false);
  assert.ok(detail.rejectedBy.includes('entropy'));
  assert.equal(detail.firstSixPrintable, true);
  assert.equal(detail.longestPrintableRun, 24);

  const json = Buffer.from(
    JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, v: i * 7 }))),
  );
  const gz = gzipSync(json);
  assert.equal(analyseRandomness(gz.subarray(0, 1024)).looksRandom, false);

  // A counter: every value once. Too uniform to be random: entropy above what chance gives.
  const counter = Uint8Array.from({ length: 256 }, (_, i) => i);
  const c = analyseRandomness(counter);
  assert.equal(c.looksRandom, false);
  assert.ok(c.entropyZScore > 4);

  // Length-prefixed records with zero padding.
  const records = new Uint8Array(512);
  for (let i = 0; i < 512; i += 16) records.set([0, 12, 1, 0, i & 0xff], i);
  assert.equal(analyseRandomness(records).looksRandom, false);
});

test('base64 and hex of random bytes are not random bytes', () => {
  const raw = randomBytes(768);
  assert.equal(analyseRandomness(ascii(raw.toString('base64'))).looksRandom, false);
  assert.equal(analyseRandomness(ascii(raw.toString('hex'))).looksRandom, false);
});

test('below the minimum length no judgement is made', () => {
  const d = analyseRandomness(seededBytes(10, 1));
  assert.equal(d.looksRandom, false);
  assert.deepEqual(d.rejectedBy, []);
  assert.equal(analyseRandomness(new Uint8Array(0)).length, 0);
});

test('a histogram gives the same figures as the bytes, without order', () => {
  const bytes = seededBytes(500, 42);
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1;
  const fromBytes = analyseRandomness(bytes);
  const fromCounts = analyseHistogram(counts);
  assert.ok(fromCounts !== null);
  assert.equal(fromCounts.entropy, fromBytes.entropy);
  assert.equal(fromCounts.chiSquare, fromBytes.chiSquare);
  assert.equal(fromCounts.meanPopcount, fromBytes.meanPopcount);
  assert.equal(fromCounts.looksRandom, fromBytes.looksRandom);
  assert.equal(analyseHistogram([1, 2, 3]), null);
  assert.equal(analyseHistogram(new Array<number>(256).fill(-1)), null);
});

test('property: figures stay in range for any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const d = analyseRandomness(bytes);
      assert.ok(d.entropy >= 0 && d.entropy <= 8);
      assert.ok(d.entropy <= Math.log2(Math.max(1, bytes.length)) + 1e-9);
      assert.ok(d.printableFraction >= 0 && d.printableFraction <= 1);
      assert.ok(d.meanPopcount >= 0 && d.meanPopcount <= 8);
      assert.ok(d.longestPrintableRun <= bytes.length);
      assert.ok(d.chiSquarePValue >= 0 && d.chiSquarePValue <= 1);
      assert.ok(Number.isFinite(d.entropyZScore));
      assert.equal(d.length, bytes.length);
      assert.ok(!d.looksRandom || bytes.length >= 16);
    }),
    { numRuns: 300 },
  );
});

test('property: entropy ignores byte order and renaming of values', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 255 }),
      (bytes, xor) => {
        const reversed = Uint8Array.from(bytes).reverse();
        const renamed = bytes.map((b) => b ^ xor);
        const h = shannonEntropy(bytes);
        assert.ok(Math.abs(shannonEntropy(reversed) - h) < 1e-12);
        assert.ok(Math.abs(shannonEntropy(renamed) - h) < 1e-12);
      },
    ),
    { numRuns: 200 },
  );
});
