import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquareUpperTail, logGamma, upperRegularisedGamma } from '../../src/randomness/gamma.js';

const close = (actual: number, expected: number, relative: number): void => {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${actual} not within ${relative} of ${expected}`,
  );
};

test('logGamma matches factorials and Γ(1/2) = √π', () => {
  assert.ok(Math.abs(logGamma(1)) < 1e-14);
  assert.ok(Math.abs(logGamma(2)) < 1e-14);
  close(Math.exp(logGamma(5)), 24, 1e-13);
  close(Math.exp(logGamma(11)), 3_628_800, 1e-13);
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13);
  // Stirling at a large argument: ln Γ(1001) = ln 1000!
  close(logGamma(1001), 5912.128178488163, 1e-13);
});

test('chi-square upper tail matches published critical values', () => {
  // Critical values from standard chi-square tables.
  close(chiSquareUpperTail(3.841459, 1), 0.05, 1e-5);
  close(chiSquareUpperTail(18.307038, 10), 0.05, 1e-5);
  close(chiSquareUpperTail(23.209251, 10), 0.01, 1e-5);
  close(chiSquareUpperTail(293.247835, 255), 0.05, 1e-4);
  close(chiSquareUpperTail(310.457388, 255), 0.01, 1e-4);
  // Q(1, x) = e^-x exactly.
  close(upperRegularisedGamma(1, 2.5), Math.exp(-2.5), 1e-13);
});

test('edge arguments give defined values', () => {
  assert.equal(chiSquareUpperTail(0, 255), 1);
  assert.equal(chiSquareUpperTail(-5, 255), 1);
  assert.equal(chiSquareUpperTail(Number.POSITIVE_INFINITY, 255), 0);
  assert.ok(Number.isNaN(upperRegularisedGamma(0, 1)));
  assert.ok(chiSquareUpperTail(1e6, 255) >= 0);
});
