import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Cluster } from 'ioredis';
import { compileScorerConfig, Scorer } from '@opaqueflow/scoring';
import { itemsOf, makeFeatures, runStoreSuite } from '@opaqueflow/scoring/testing';
import {
  connectCluster,
  keySlot,
  RedisExceptionStore,
  RedisScorerStore,
} from '@opaqueflow/scoring-redis';
import { OwnCluster } from './helpers/own-cluster.js';
import { uniquePrefix } from './helpers/redis.js';

let started: Promise<OwnCluster> | null = null;
const clients: Cluster[] = [];
const cluster = () => (started ??= OwnCluster.start(3));

async function conn(): Promise<Cluster> {
  const c = await connectCluster((await cluster()).nodes, { name: 'scoring-cluster-test' });
  clients.push(c);
  return c;
}

after(async () => {
  for (const c of clients) c.disconnect();
  if (started !== null) await (await started).destroy();
});

runStoreSuite('Redis Cluster (3 masters)', async () => {
  const keyPrefix = uniquePrefix();
  const store = new RedisScorerStore({ client: await conn(), keyPrefix });
  const admin = new RedisExceptionStore({ client: await conn(), keyPrefix });
  return {
    store,
    openStore: async () => new RedisScorerStore({ client: await conn(), keyPrefix }),
    exceptionAdmin: { put: (e) => admin.put(e), remove: (id) => admin.remove(id) },
    openExceptionSource: async () => new RedisExceptionStore({ client: await conn(), keyPrefix }),
    close: () => store.close(),
  };
});

test('one batch spreads over every master and replays to no change', async () => {
  const client = await conn();
  const keyPrefix = uniquePrefix();
  const store = new RedisScorerStore({ client, keyPrefix });
  const config = compileScorerConfig();
  const flows = Array.from({ length: 200 }, (_, i) =>
    makeFeatures({ dstPort: 2000 + i, src: `10.0.${i % 7}.1`, srcPort: 30_000 + i }),
  );
  const batch = itemsOf(flows);
  const first = await new Scorer({ config, store }).processBatch(batch);
  assert.equal(first.detections.length, 200);
  const masters = new Set(
    flows.map((f) => client.slots[keySlot(store.keys.portMeta(`${f.flow.dstPort}/tcp`))]?.[0]),
  );
  assert.equal(masters.size, 3, 'ports land on all three masters');
  const replay = await new Scorer({ config, store }).processBatch(batch);
  assert.equal(replay.stats.appliedUpdates, 0);
  assert.equal(replay.detections[0]?.flowCount, 1);
  const base = await new Scorer({ config, store }).baseline(2000, 'tcp');
  assert.equal(base.flows, 1);
});
