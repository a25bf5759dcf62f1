import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bitOf, EMPTY_BITS, estimateDistinct, orHex } from '@opaqueflow/scoring';

function bitmapOf(values: readonly string[]): string {
  let hex = EMPTY_BITS;
  for (const v of values) {
    const bit = bitOf(v);
    const one = [0, 0, 0, 0];
    one[bit >>> 5] = (1 << (bit & 31)) >>> 0;
    hex = orHex(hex, one.map((w) => w.toString(16).padStart(8, '0')).join(''));
  }
  return hex;
}

test('linear counting is close for small counts and saturates for large ones', () => {
  assert.equal(estimateDistinct(EMPTY_BITS), 0);
  const hosts = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  for (const n of [1, 5, 20, 60]) {
    const est = estimateDistinct(bitmapOf(hosts(n)));
    assert.ok(Math.abs(est - n) <= Math.max(1, n * 0.2), `n=${n} est=${est}`);
  }
  assert.ok(estimateDistinct(bitmapOf(hosts(5000))) >= 400);
});

test('OR-merge is commutative, associative and idempotent (replays and splits converge)', () => {
  const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
  fc.assert(
    fc.property(hex, hex, hex, (a, b, c) => {
      assert.equal(orHex(a, b), orHex(b, a));
      assert.equal(orHex(orHex(a, b), c), orHex(a, orHex(b, c)));
      assert.equal(orHex(orHex(a, b), b), orHex(a, b));
    }),
  );
});
