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
import { itemsOf, makeFeatures } from '@opaqueflow/scoring/testing';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

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
  ['flow', 'bytesRev'],
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
  ['initiator', 'expectedRandomEntropy'],
  ['responder'],
  ['responder', 'entropy'],
  ['responder', 'looksRandom'],
  ['responder', 'expectedRandomEntropy'],
  ['exporterEvidence'],
  ['exporterEvidence', 'initiatorEntropy'],
  ['evidence'],
  ['handshake', 'seenIn'],
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

type Mutation = readonly [readonly string[], unknown];

/** One hostile flow and one good flow in a batch: the batch must hold up. */
function hostileCheck() {
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  let offset = 0;
  return async (mutations: readonly Mutation[]): Promise<void> => {
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
  };
}

test('hostile features are rejected with a reason, never thrown, and never poison the batch', async () => {
  const check = hostileCheck();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...paths), anything), { minLength: 1, maxLength: 4 }),
      check,
    ),
    { numRuns: 300 },
  );
});

test('regression (seed -1629672229): both directions undefined score as absent, not a throw', async () => {
  // The CI counterexample: the check treated undefined randomness as absent, the score read
  // it as present (r === null) and threw on r.entropy, taking the good flow down with it.
  const check = hostileCheck();
  await check([
    [['responder'], undefined],
    [['initiator'], undefined],
    [['responder', 'expectedRandomEntropy'], 0],
  ]);
  // And the hostile flow itself is judged, like one whose directions are null.
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  const f = makeFeatures({ srcPort: 41_000 });
  const none = { ...f, initiator: undefined, responder: undefined } as unknown as FlowFeatures;
  const r = await scorer.processBatch([
    { features: none, source: { topic: 't', partition: 0, offset: '0' } },
  ]);
  assert.deepEqual(r.rejected, []);
  assert.equal(r.detections.length, 1);
  assert.ok(!r.detections[0]!.reasons.some((x) => x.code === 'randomness'));
});

test('a flow dated centuries ahead is rejected and leaves the baseline and lateness alone', async () => {
  // Before: its event time became the port's horizon (pruning every bucket) and the
  // partition's watermark (every later flow "too late"): one record emptied a port for good.
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  const at = (srcPort: number, startMs = T0) => makeFeatures({ kind: 'tls', startMs, srcPort });
  await scorer.processBatch(itemsOf([at(1)], 0, 0));
  const f = at(2);
  for (const [i, t] of [1e300, 4_102_444_800_001, Number.MAX_SAFE_INTEGER].entries()) {
    const r = await scorer.processBatch(
      itemsOf([{ ...f, flow: { ...f.flow, startMs: t, endMs: t } }], 0, 1 + i),
    );
    assert.deepEqual(
      r.rejected.map((x) => x.reason),
      ['invalid-time'],
    );
  }
  const next = await scorer.processBatch(itemsOf([at(3, T0 + 1000)], 0, 4));
  assert.equal(next.stats.tooLate, 0);
  assert.equal((await scorer.baseline(443, 'tcp', null, T0 + 60_000)).flows, 2);
});

test('flow ids that would not survive as stored samples are rejected', async () => {
  // Samples are stored comma-joined: "x,y" came back from Redis as two ids, "" as none.
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  const f = makeFeatures({ srcPort: 5 });
  const r = await scorer.processBatch(
    ['x,y', '', ' ', 'a'.repeat(129)].map((flowId, i) => ({
      features: { ...f, flow: { ...f.flow, flowId } },
      source: { topic: 't', partition: 0, offset: String(i) },
    })),
  );
  assert.deepEqual(
    r.rejected.map((x) => x.reason),
    ['invalid-flow-id', 'invalid-flow-id', 'invalid-flow-id', 'invalid-flow-id'],
  );
  const topics = await scorer.processBatch(
    ['a{b}', 'sp ace', ''].map((topic) => ({
      features: f,
      source: { topic, partition: 0, offset: '9' },
    })),
  );
  assert.deepEqual(
    topics.rejected.map((x) => x.reason),
    ['invalid-source-topic', 'invalid-source-topic', 'invalid-source-topic'],
  );
});
