import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FlowFeatures } from '@opaqueflow/flow-model';
import {
  compileScorerConfig,
  MemoryScorerStore,
  Scorer,
  type BatchItem,
} from '@opaqueflow/scoring';
import { makeFeatures } from '@opaqueflow/scoring/testing';

const anything = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant(Number.NaN),
);

const paths = [
  ['flow', 'srcAddr'],
  ['flow', 'dstAddr'],
  ['flow', 'dstPort'],
  ['flow', 'transport'],
  ['flow', 'startMs'],
  ['flow', 'endMs'],
  ['flow', 'bytesFwd'],
  ['flow', 'flowId'],
  ['flow'],
  ['verdict'],
  ['handshake'],
  ['handshake', 'protocol'],
  ['handshake', 'keyExchange'],
  ['port'],
  ['port', 'encryptedExpected'],
  ['port', 'ianaService'],
  ['initiator'],
  ['initiator', 'entropy'],
  ['initiator', 'looksRandom'],
  ['initiator', 'length'],
  ['responder'],
  ['responder', 'entropy'],
  ['responder', 'expectedRandomEntropy'],
  ['exporterEvidence'],
] as const;

function mutate(f: FlowFeatures, path: readonly string[], value: unknown): FlowFeatures {
  const copy = structuredClone(f) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return copy as unknown as FlowFeatures;
    node = next as Record<string, unknown>;
  }
  try {
    node[path[path.length - 1]!] = value;
  } catch {
    // Some values cannot be set (an array's length to -1): that mutation is skipped.
  }
  return copy as unknown as FlowFeatures;
}

test('hostile features are rejected with a reason, never thrown, and never poison the batch', async () => {
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  let offset = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...paths), anything), { minLength: 1, maxLength: 4 }),
      async (mutations) => {
        const good = makeFeatures({ srcPort: 40_000 + (offset % 20_000) });
        let bad = good;
        for (const [path, value] of mutations) bad = mutate(bad, path, value);
        const items: BatchItem[] = [
          { features: bad, source: { topic: 't', partition: 0, offset: String(offset++) } },
          { features: good, source: { topic: 't', partition: 0, offset: String(offset++) } },
        ];
        const r = await scorer.processBatch(items);
        assert.equal(r.stats.items, 2);
        assert.ok(r.detections.length >= 1, 'the good flow still scores');
        for (const d of r.detections) {
          assert.ok(Number.isInteger(d.score) && d.score >= 0 && d.score <= 100);
          assert.equal(typeof d.dstPort, 'number');
        }
        for (const x of r.rejected) assert.match(x.reason, /^[a-z-]+$/);
      },
    ),
    { numRuns: 300 },
  );
});
