import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileScorerConfig, ScoringError, type ScorerConfigInput } from '@opaqueflow/scoring';

function fieldOf(input: unknown): string | null {
  try {
    compileScorerConfig(input as ScorerConfigInput);
    return null;
  } catch (err) {
    assert.ok(err instanceof ScoringError);
    assert.equal(err.code, 'SCORING_CONFIG_INVALID');
    assert.ok(err.message.includes(err.field!), 'the message names the field');
    return err.field;
  }
}

test('defaults: minute buckets for an hour, hour buckets for a week, frozen', () => {
  const c = compileScorerConfig();
  assert.deepEqual(
    c.tiers.map((t) => [t.bucketMs, t.windowMs, t.bucketCount]),
    [
      [60_000, 3_600_000, 60],
      [3_600_000, 604_800_000, 168],
    ],
  );
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.tiers) && Object.isFrozen(c.weights));
  assert.throws(() => {
    (c as { minScore: number }).minScore = 5;
  }, TypeError);
});

test('bad values are rejected naming the field', () => {
  assert.equal(fieldOf({ tiers: [{ bucketMs: 60_000, windowMs: 90_000 }] }), 'tiers[0].windowMs');
  assert.equal(fieldOf({ tiers: [{ bucketMs: 'x', windowMs: 90_000 }] }), 'tiers[0].bucketMs');
  assert.equal(
    fieldOf({
      tiers: [
        { bucketMs: 60_000, windowMs: 3_600_000 },
        { bucketMs: 60_000, windowMs: 3_600_000 },
      ],
    }),
    'tiers[1].windowMs',
  );
  assert.equal(fieldOf({ networks: { sensitive: ['10.0.0.0/33'] } }), 'networks.sensitive[0]');
  assert.equal(fieldOf({ networks: { internal: [42] } }), 'networks.internal[0]');
  assert.equal(
    fieldOf({ networks: { scopes: [{ name: 'a b', cidrs: [] }] } }),
    'networks.scopes[0].name',
  );
  assert.equal(
    fieldOf({
      networks: {
        scopes: [
          { name: 'x', cidrs: [] },
          { name: 'x', cidrs: [] },
        ],
      },
    }),
    'networks.scopes[1].name',
  );
  assert.equal(fieldOf({ exceptionPollMs: 6000 }), 'exceptionPollMs');
  assert.equal(fieldOf({ weights: { volume: -1 } }), 'weights.volume');
  assert.equal(fieldOf({ weights: { colour: 1 } }), 'weights.colour');
  assert.equal(fieldOf({ severity: { low: 50, medium: 40 } }), 'severity');
  assert.equal(fieldOf({ learning: { minFlows: 1.5 } }), 'learning.minFlows');
  assert.equal(fieldOf({ allowedLatenessMs: Number.NaN }), 'allowedLatenessMs');
  assert.equal(fieldOf(null), '(root)');
});

test('scopes split a port baseline by site', () => {
  const c = compileScorerConfig({
    networks: { scopes: [{ name: 'paris', cidrs: ['10.20.0.0/16', 'fd00:20::/32'] }] },
  });
  assert.equal(c.networks.scopes[0]?.name, 'paris');
  assert.equal(c.networks.scopes[0]?.cidrs.length, 2);
});
