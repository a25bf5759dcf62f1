import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addEvidence, decayTo, hostScoreOf, type Evidence } from '@opaqueflow/scoring';

const HALF = 3_600_000;

test('evidence halves every half-life', () => {
  assert.equal(decayTo({ evidence: 4, refMs: 0 }, 2 * HALF, HALF), 1);
  assert.equal(decayTo({ evidence: 4, refMs: 10 }, 5, HALF), 4);
});

test('adding evidence in any order gives the same result (replicas converge)', () => {
  const ev = fc.record({
    evidence: fc.double({ min: 0, max: 5, noNaN: true }),
    refMs: fc.integer({ min: 0, max: 48 * HALF }),
  });
  fc.assert(
    fc.property(fc.array(ev, { minLength: 1, maxLength: 12 }), (adds) => {
      const fold = (list: Evidence[]) =>
        list.reduce<Evidence | null>((acc, a) => addEvidence(acc, a, HALF), null)!;
      const a = fold(adds);
      const b = fold([...adds].reverse());
      assert.equal(a.refMs, b.refMs);
      assert.ok(Math.abs(a.evidence - b.evidence) <= 1e-9 * Math.max(1, a.evidence));
    }),
  );
});

test('host score: one weak flow stays low, steady evidence rises', () => {
  assert.ok(hostScoreOf(0.7, 3) < 25);
  assert.ok(hostScoreOf(9, 3) > 90);
  assert.equal(hostScoreOf(-1, 3), 0);
});
