import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { compileScorerConfig, mergeSamples, Scorer, type ScorerStore } from '@opaqueflow/scoring';
import {
  itemsOf,
  makeFeatures,
  runBatchingProperty,
  runStoreSuite,
} from '@opaqueflow/scoring/testing';
import { RedisExceptionStore, RedisScorerStore } from '@opaqueflow/scoring-redis';
import { client, deletePrefix, dumpPrefix, keysWithPrefix, uniquePrefix } from './helpers/redis.js';

const connections: Redis[] = [];
const prefixes: string[] = [];
let admin: Redis;

before(async () => {
  admin = await client('scoring-redis-test-admin');
});

after(async () => {
  for (const p of prefixes) await deletePrefix(admin, p);
  for (const c of connections) c.disconnect();
  admin.disconnect();
});

async function conn(name: string): Promise<Redis> {
  const c = await client(name);
  connections.push(c);
  return c;
}

runStoreSuite('Redis', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('suite'), keyPrefix });
  const exceptionsClient = await conn('suite-exceptions');
  const admin = new RedisExceptionStore({ client: exceptionsClient, keyPrefix });
  return {
    store,
    openStore: async () => new RedisScorerStore({ client: await conn('suite-replica'), keyPrefix }),
    exceptionAdmin: { put: (e) => admin.put(e), remove: (id) => admin.remove(id) },
    openExceptionSource: async () =>
      new RedisExceptionStore({ client: await conn('suite-source'), keyPrefix }),
    close: () => store.close(),
  };
});

// Each run opens a fresh key prefix on one shared connection: four scorers per case.
runBatchingProperty(
  'Redis',
  async () => {
    const keyPrefix = uniquePrefix();
    prefixes.push(keyPrefix);
    const store = new RedisScorerStore({ client: await shared(), keyPrefix });
    return {
      store,
      openStore: () => Promise.resolve(store),
      exceptionAdmin: { put: () => Promise.resolve(), remove: () => Promise.resolve() },
      openExceptionSource: () => Promise.reject(new Error('not used')),
      close: () => store.close(),
    };
  },
  25,
);

let sharedClient: Redis | null = null;
async function shared(): Promise<Redis> {
  sharedClient ??= await conn('batching');
  return sharedClient;
}

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

function mixedBatch() {
  const flows = Array.from({ length: 60 }, (_, i) =>
    makeFeatures({
      kind: i % 3 === 0 ? 'tls' : 'opaque',
      src: `10.1.0.${i % 9}`,
      dst: `198.51.100.${i % 4}`,
      dstPort: i % 3 === 0 ? 443 : 7000 + (i % 5),
      startMs: T0 + i * 45_000,
      srcPort: 30_000 + i,
    }),
  );
  return [...itemsOf(flows.slice(0, 30), 0, 1000), ...itemsOf(flows.slice(30), 1, 500)];
}

test('a batch replayed twice leaves Redis byte-for-byte as after one apply', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('replay'), keyPrefix });
  const config = compileScorerConfig();
  const batch = mixedBatch();
  await new Scorer({ config, store }).processBatch(batch);
  const once = await dumpPrefix(admin, keyPrefix);
  assert.ok(once.size > 10, `${once.size} keys written`);
  // A restarted replica (no memory of the batch) replays it, twice.
  for (let i = 0; i < 2; i++) {
    const replay = await new Scorer({ config, store }).processBatch(batch);
    assert.equal(replay.stats.appliedUpdates, 0);
    assert.ok(replay.detections.length > 0, 'detections are re-emitted for the uncommitted batch');
  }
  assert.deepEqual(await dumpPrefix(admin, keyPrefix), once);
});

test('the aggregate script answers with the totals after its apply, replays and conflicts too', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('raw-aggregate'), keyPrefix });
  const delta = (pid: string, min: string, max: string, flowCount: number, sample: string) => ({
    ports: [],
    aggregates: [
      {
        id: 'agg-1',
        pid,
        minOffset: min.padStart(20, '0'),
        maxOffset: max.padStart(20, '0'),
        ttlMs: 60_000,
        firstSeenMs: T0 + flowCount,
        lastSeenMs: T0 + 1000 * flowCount,
        flowCount,
        bytes: 100 * flowCount,
        sampleFlowIds: [sample],
        maxSampleFlowIds: 2,
      },
    ],
    hosts: [],
  });
  const totals = async (r: ReturnType<typeof delta>, observe: string[] = []) => {
    const out = await store.apply({ ...r, observeAggregates: observe });
    return [out.applied, out.replayed, out.conflicts, out.aggregates.get('agg-1')];
  };
  assert.deepEqual(await totals(delta('t:0', '0', '4', 5, 'a')), [
    1,
    0,
    0,
    { firstSeenMs: T0 + 5, lastSeenMs: T0 + 5000, flowCount: 5, bytes: 500, sampleFlowIds: ['a'] },
  ]);
  // Another partition's writer adds 3: its answer holds both.
  const both = {
    firstSeenMs: T0 + 3,
    lastSeenMs: T0 + 5000,
    flowCount: 8,
    bytes: 800,
    sampleFlowIds: ['a', 'b'],
  };
  assert.deepEqual(await totals(delta('t:1', '0', '2', 3, 'b')), [1, 0, 0, both]);
  // A replay and a conflict change nothing and still answer with the current totals.
  assert.deepEqual(await totals(delta('t:0', '0', '4', 5, 'a')), [0, 1, 0, both]);
  assert.deepEqual(await totals(delta('t:0', '3', '9', 7, 'c')), [0, 0, 1, both]);
  // Observed without a delta (a batch of replayed flows): the same totals, same round trip.
  const before = store.roundTrips;
  const seen = await store.apply({
    ports: [],
    aggregates: [],
    hosts: [],
    observeAggregates: ['agg-1', 'none'],
  });
  assert.deepEqual(seen.aggregates, new Map([['agg-1', both]]));
  assert.equal(store.roundTrips - before, 1);
  // Samples: the smallest ids in byte order, as mergeSamples keeps them, whatever the locale.
  const ids = [
    ['b-1', 'B.2', 'a_3', 'z'],
    ['A', '~z', '0', 'b-1'],
  ];
  let got: readonly string[] = [];
  for (const [k, list] of ids.entries()) {
    const out = await store.apply({
      ports: [],
      hosts: [],
      aggregates: [
        {
          ...delta(`s:${k}`, '0', '0', 1, '').aggregates[0]!,
          id: 'agg-2',
          sampleFlowIds: list,
          maxSampleFlowIds: 5,
        },
      ],
    });
    got = out.aggregates.get('agg-2')!.sampleFlowIds;
  }
  assert.deepEqual(got, mergeSamples(ids[0]!, ids[1]!, 5));
  assert.deepEqual(got, ['0', 'A', 'B.2', 'a_3', 'b-1']);
});

test('the Lua watermark check alone rejects replayed and overlapping deltas', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('raw-replay'), keyPrefix });
  const counters = {
    flows: 3,
    opaque: 1,
    bytes: 999,
    entropyMilliSum: 7500,
    entropyMilliSqSum: 56_250_000,
    entropyCount: 1,
    srcBits: '00000001000000000000000000000000',
    dstBits: '00000000000000000000000000000010',
  };
  const delta = (min: string, max: string) => ({
    ports: [
      {
        key: '7000/tcp',
        pid: 't:0',
        minOffset: min.padStart(20, '0'),
        maxOffset: max.padStart(20, '0'),
        ttlMs: 60_000,
        eventMinMs: T0,
        eventMaxMs: T0 + 1000,
        tiers: [{ cutoffIndex: 0, buckets: [[Math.floor(T0 / 60_000), counters] as const] }],
      },
    ],
    aggregates: [],
    hosts: [],
  });
  assert.deepEqual(await store.apply(delta('10', '19')), {
    applied: 1,
    replayed: 0,
    conflicts: 0,
    aggregates: new Map(),
  });
  const once = await dumpPrefix(admin, keyPrefix);
  assert.deepEqual(await store.apply(delta('10', '19')), {
    applied: 0,
    replayed: 1,
    conflicts: 0,
    aggregates: new Map(),
  });
  assert.deepEqual(await store.apply(delta('15', '25')), {
    applied: 0,
    replayed: 0,
    conflicts: 1,
    aggregates: new Map(),
  });
  assert.deepEqual(await dumpPrefix(admin, keyPrefix), once);
  assert.deepEqual(await store.apply(delta('20', '29')), {
    applied: 1,
    replayed: 0,
    conflicts: 0,
    aggregates: new Map(),
  });
  const state = await store.read({
    ports: [{ key: '7000/tcp', pids: ['t:0'] }],
    aggregates: [],
    hosts: [],
    tierCount: 1,
  });
  const bucket = state.ports.get('7000/tcp')?.tiers[0]?.get(Math.floor(T0 / 60_000));
  assert.equal(bucket?.flows, 6);
  assert.equal(bucket?.entropyMilliSum, 15_000);
  assert.equal(state.ports.get('7000/tcp')?.watermarks['t:0'], '29'.padStart(20, '0'));
});

test('every key carries a TTL and one port keeps one hash tag', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const c = await conn('ttl');
  const store = new RedisScorerStore({ client: c, keyPrefix });
  await new Scorer({ config: compileScorerConfig(), store }).processBatch(mixedBatch());
  const keys = await keysWithPrefix(admin, keyPrefix);
  for (const key of keys) {
    const ttl = await admin.pttl(key);
    assert.ok(ttl > 0, `${key} has a TTL (${ttl})`);
  }
  assert.ok(keys.includes(`${keyPrefix}{p:443/tcp}:meta`));
  assert.ok(keys.includes(`${keyPrefix}{p:443/tcp}:t0`));
  assert.ok(keys.includes(`${keyPrefix}{p:443/tcp}:t1`));
  // Baselines live a week plus slack; aggregates an hour plus slack.
  const weekish = await admin.pttl(`${keyPrefix}{p:443/tcp}:t1`);
  assert.ok(weekish > 7 * 24 * 3_600_000 && weekish <= 7 * 24 * 3_600_000 + 2 * 3_600_000);
});

test('one round trip to read and one to apply per batch', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('trips'), keyPrefix });
  await store.loadScripts();
  const before = store.roundTrips;
  await new Scorer({ config: compileScorerConfig(), store }).processBatch(mixedBatch());
  assert.equal(store.roundTrips - before, 2);
});

test('exception changes reach a subscribed replica through pub/sub', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const writer = new RedisExceptionStore({ client: await conn('exc-writer'), keyPrefix });
  const reader = new RedisExceptionStore({
    client: await conn('exc-reader'),
    subscriber: await conn('exc-sub'),
    keyPrefix,
  });
  let notified = 0;
  const stop = reader.onChange(() => (notified += 1));
  await reader.ready();
  assert.equal(await reader.version(), '0');
  await writer.put({
    id: 'x1',
    ports: [51820],
    transport: 'udp',
    reason: 'corporate WireGuard',
    author: 'netops',
    createdAtMs: T0,
    expiresAtMs: null,
  });
  const deadline = Date.now() + 5_000;
  while (notified === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(notified, 1);
  assert.equal(await reader.version(), '1');
  assert.deepEqual(
    (await reader.list()).map((e) => e.id),
    ['x1'],
  );
  assert.equal(await writer.remove('x1', 'alice'), true);
  assert.equal((await reader.list()).length, 0);
  assert.equal(await reader.version(), '2');
  const audit = await reader.audit();
  assert.deepEqual(
    audit.map((e) => [e.action, e.id, e.actor]),
    [
      ['remove', 'x1', 'alice'],
      ['put', 'x1', 'netops'],
    ],
  );
  assert.equal((JSON.parse(audit[1]!.record!) as { reason: string }).reason, 'corporate WireGuard');
  assert.ok(audit.every((e) => Math.abs(e.atMs - Date.now()) < 60_000));
  stop();
});

test('a batch spanning days of minute buckets on one port fits the Lua stack', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const store = new RedisScorerStore({ client: await conn('wide'), keyPrefix });
  const DAY = 24 * 3_600_000;
  const config = compileScorerConfig({ allowedLatenessMs: 3 * DAY });
  // One flow a minute for three days, newest first: all within the lateness allowance.
  const flows = Array.from({ length: 3 * 24 * 60 }, (_, i) =>
    makeFeatures({ kind: 'tls', startMs: T0 + 3 * DAY - i * 60_000, srcPort: 1024 + (i % 60_000) }),
  );
  const scorer = new Scorer({ config, store });
  const r = await scorer.processBatch(itemsOf(flows));
  assert.equal(r.stats.tooLate, 0);
  const base = await scorer.baseline(443, 'tcp');
  assert.equal(base.flows, flows.length);
  const state = (
    await store.read({
      ports: [{ key: '443/tcp', pids: [] }],
      aggregates: [],
      hosts: [],
      tierCount: 2,
    })
  ).ports.get('443/tcp');
  assert.ok((state?.tiers[0]?.size ?? 0) > 4000, `minute buckets kept: ${state?.tiers[0]?.size}`);
});

test('two replicas interleaving on one aggregate emit its totals after their own apply: the flow count never goes backwards', async () => {
  const keyPrefix = uniquePrefix();
  prefixes.push(keyPrefix);
  const config = compileScorerConfig();
  // Each round both replicas read before either applies (the race a live pair runs into);
  // the gate only orders the calls, the state is real Redis on two connections.
  let gate: { reads: number; open: () => void; opened: Promise<void> } | null = null;
  const gated = (store: RedisScorerStore): ScorerStore => ({
    read: async (r) => {
      const out = await store.read(r);
      if (gate !== null && ++gate.reads === 2) gate.open();
      return out;
    },
    apply: async (r) => {
      await gate?.opened;
      return store.apply(r);
    },
    close: () => store.close(),
  });
  const replicas = [
    new Scorer({
      config,
      store: gated(new RedisScorerStore({ client: await conn('pair-a'), keyPrefix })),
    }),
    new Scorer({
      config,
      store: gated(new RedisScorerStore({ client: await conn('pair-b'), keyPrefix })),
    }),
  ];
  const flow = (i: number) =>
    makeFeatures({ dstPort: 7444, startMs: T0 + i * 10_000, srcPort: 20_000 + i, bytesFwd: 1000 });
  const emitted: number[][] = [[], []];
  const rounds = 15;
  for (let round = 0; round < rounds; round++) {
    let open = (): void => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    gate = { reads: 0, open, opened };
    await Promise.all(
      replicas.map(async (scorer, r) => {
        const i = round * 2 + r;
        const result = await scorer.processBatch(itemsOf([flow(i)], r, round));
        assert.equal(result.detections.length, 1);
        const d = result.detections[0]!;
        assert.equal(d.bytes, d.flowCount * (1000 + flow(i).flow.bytesRev));
        emitted[r]!.push(d.flowCount);
      }),
    );
  }
  // Each replica's emissions rise, and together they are exactly 1..30: every emission
  // counts all flows applied before it, whichever replica applied them.
  for (const seq of emitted)
    for (let k = 1; k < seq.length; k++) assert.ok(seq[k]! > seq[k - 1]!, seq.join(','));
  assert.deepEqual(
    emitted.flat().sort((a, b) => a - b),
    Array.from({ length: rounds * 2 }, (_, k) => k + 1),
  );
  for (const s of replicas) s.close();
});
