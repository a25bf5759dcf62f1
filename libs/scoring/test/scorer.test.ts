import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileScorerConfig,
  MemoryScorerStore,
  Scorer,
  ScoringError,
  storeUnavailable,
  type ScorerStore,
} from '@opaqueflow/scoring';
import { itemsOf, makeFeatures } from '@opaqueflow/scoring/testing';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MIN = 60_000;

test('a retried batch meets the same lateness watermarks as its first attempt', async () => {
  const memory = new MemoryScorerStore();
  let failApply = true;
  const flaky: ScorerStore = {
    read: (r) => memory.read(r),
    apply: (r) => {
      if (failApply) {
        failApply = false;
        return Promise.reject(storeUnavailable('connection reset'));
      }
      return memory.apply(r);
    },
    close: () => memory.close(),
  };
  const scorer = new Scorer({
    config: compileScorerConfig({ allowedLatenessMs: 5 * MIN }),
    store: flaky,
  });
  // Ten minutes of flows in one batch: none is late relative to the flows before it.
  const batch = itemsOf(
    Array.from({ length: 11 }, (_, i) =>
      makeFeatures({ kind: 'tls', startMs: T0 + i * MIN, srcPort: 40_000 + i }),
    ),
  );
  await assert.rejects(
    scorer.processBatch(batch),
    (e: unknown) => e instanceof ScoringError && e.retriable,
  );
  const retried = await scorer.processBatch(batch);
  assert.equal(retried.stats.tooLate, 0);
  assert.equal((await scorer.baseline(443, 'tcp')).flows, 11);
});

test('an empty batch touches nothing and commits nothing', async () => {
  const store = new MemoryScorerStore();
  const scorer = new Scorer({ config: compileScorerConfig(), store });
  const r = await scorer.processBatch([]);
  assert.deepEqual(r.commits, []);
  assert.deepEqual(r.detections, []);
  assert.deepEqual(store.size(), { ports: 0, aggregates: 0, hosts: 0 });
});

test('memory store entries expire by their wall-clock TTL', async () => {
  let now = 1_000_000;
  const store = new MemoryScorerStore(() => now);
  const config = compileScorerConfig({
    aggregation: { windowMs: 60 * MIN },
    ttlSlackMs: 0,
    allowedLatenessMs: 0,
  });
  const scorer = new Scorer({ config, store, clock: () => now });
  await scorer.processBatch(itemsOf([makeFeatures({ startMs: T0 })]));
  assert.deepEqual(store.size(), { ports: 1, aggregates: 1, hosts: 1 });
  now += 60 * MIN + 1; // the aggregate's window has passed
  assert.deepEqual(store.size(), { ports: 1, aggregates: 0, hosts: 1 });
  now += 7 * 24 * 60 * MIN; // a week later the baseline is gone too
  assert.equal(store.size().ports, 0);
});

test('scopes give a site its own baseline of a port', async () => {
  const scorer = new Scorer({
    config: compileScorerConfig({
      networks: { scopes: [{ name: 'paris', cidrs: ['10.20.0.0/16'] }] },
    }),
    store: new MemoryScorerStore(),
  });
  await scorer.processBatch(
    itemsOf([
      makeFeatures({ kind: 'tls', src: '10.20.1.1', srcPort: 1 }),
      makeFeatures({ kind: 'tls', src: '10.20.1.2', srcPort: 2 }),
      makeFeatures({ kind: 'tls', src: '10.30.1.1', srcPort: 3 }),
    ]),
  );
  assert.equal((await scorer.baseline(443, 'tcp', 'paris')).flows, 2);
  assert.equal((await scorer.baseline(443, 'tcp')).flows, 1);
});

test('counters sum the batches for metrics', async () => {
  const scorer = new Scorer({ config: compileScorerConfig(), store: new MemoryScorerStore() });
  await scorer.processBatch(itemsOf([makeFeatures(), makeFeatures({ kind: 'tls' })]));
  await scorer.processBatch(itemsOf([makeFeatures({ startMs: T0 + MIN })], 0, 2));
  const c = scorer.counters();
  assert.equal(c.items, 3);
  assert.equal(c.opaque, 2);
  assert.equal(c.detections, 2);
  assert.equal(c.exceptionLoadFailures, 0);
});

test('each item is told the detection it counts in; non-opaque, rejected and below-minScore items none', async () => {
  const scorer = new Scorer({
    config: compileScorerConfig({ minScore: 1 }),
    store: new MemoryScorerStore(),
  });
  const beacon = [0, 1].map((i) =>
    makeFeatures({ kind: 'opaque', dstPort: 4444, startMs: T0 + i * 1000, srcPort: 41_000 + i }),
  );
  const tls = makeFeatures({ kind: 'tls', startMs: T0, srcPort: 42_000 });
  const hostile = { ...tls, flow: { ...tls.flow, dstPort: -1 } };
  const result = await scorer.processBatch(itemsOf([beacon[0]!, tls, hostile, beacon[1]!]));
  assert.equal(result.detections.length, 1);
  const id = result.detections[0]!.id;
  assert.deepEqual(result.itemDetectionIds, [id, null, null, id]);

  const strict = new Scorer({
    config: compileScorerConfig({ minScore: 100 }),
    store: new MemoryScorerStore(),
  });
  const below = await strict.processBatch(itemsOf([beacon[0]!]));
  assert.equal(below.detections.length, 0);
  assert.deepEqual(below.itemDetectionIds, [null]);
});

test('one batch of 5,000 flows judges exactly as 5,000 batches of one', async () => {
  // The bench's day-to-day mix over half an hour: TLS, QUIC and SSH on their ports, opaque
  // flows on 40 odd ports, 4 partitions. (runBatchingProperty covers random splits.)
  const flows = Array.from({ length: 5000 }, (_, i) => {
    const r = (i * 2654435761) % 100;
    const kind = r < 60 ? 'tls' : r < 75 ? 'quic' : r < 85 ? 'ssh' : 'opaque';
    return makeFeatures({
      kind,
      src: `10.0.${(i >> 8) % 4}.${i % 50}`,
      dst: `198.51.${(i * 7) % 8}.${(i * 13) % 20}`,
      dstPort: kind === 'opaque' ? 2000 + ((i * 31) % 40) : undefined,
      startMs: T0 + Math.floor((i / 5000) * 30 * MIN),
      srcPort: 1024 + i,
    });
  });
  const items = flows.map((f, i) => itemsOf([f], i % 4, i >> 2)[0]!);
  const run = async (size: number) => {
    const scorer = new Scorer({
      config: compileScorerConfig({ learning: { minFlows: 20, minAgeMs: 5 * MIN } }),
      store: new MemoryScorerStore(),
      clock: () => T0,
    });
    const perFlow: unknown[] = [];
    const last = new Map<string, unknown>();
    for (let i = 0; i < items.length; i += size) {
      const r = await scorer.processBatch(items.slice(i, i + size));
      for (const d of r.itemDetections) perFlow.push(d);
      for (const d of r.detections) last.set(d.id, d);
    }
    return { perFlow, last };
  };
  const one = await run(5000);
  assert.ok(one.last.size > 100, `${one.last.size} detections`);
  assert.deepEqual(await run(1), one);
  assert.deepEqual(await run(8), one);
});
