// Issue 5's "two scorer instances on one topic produce the same totals as one", through a real
// Kafka consumer group: the topic's partitions are split between two scorers sharing one Redis,
// and their baselines and detection totals must equal what a single scorer builds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection, FlowFeatures } from '@opaqueflow/flow-model';
import { flowKeyOf } from '@opaqueflow/flow-model';
import {
  DlqPublisher,
  FLOW_FEATURES,
  RecordProducer,
  Registry,
  TopicCodec,
  createKafkaClient,
  runRecordBatchConsumer,
} from '@opaqueflow/kafka';
import type { KafkaAdmin, MessageConsumer } from '@opaqueflow/kafka';
import { compileScorerConfig, Scorer } from '@opaqueflow/scoring';
import { makeFeatures } from '@opaqueflow/scoring/testing';
import { RedisScorerStore, connectRedis } from '@opaqueflow/scoring-redis';
import type { Redis } from 'ioredis';
import { eventually, runId, serverAddresses } from './servers.js';

const servers = serverAddresses();
const id = runId();
const topic = `it.scorer-group.${id}`;
const dlqTopic = `it.scorer-group-dlq.${id}`;
const kafka = createKafkaClient({ clientId: `it-scorer-${id}`, brokers: servers.brokers });
const registry = new Registry({ url: servers.registryUrl });
const PARTITIONS = 4;
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const PORTS = [4444, 8388, 31337, 443];

let admin: KafkaAdmin;
let redis: Redis;
const consumers: MessageConsumer[] = [];
const prefixes: string[] = [];

/** 240 flows over 20 minutes: opaque channels on odd ports and TLS on 443, from 12 hosts. */
function traffic(): FlowFeatures[] {
  const out: FlowFeatures[] = [];
  for (let i = 0; i < 240; i++) {
    const dstPort = PORTS[i % PORTS.length]!;
    out.push(
      makeFeatures({
        kind: dstPort === 443 ? 'tls' : 'opaque',
        src: `10.0.${i % 3}.${1 + (i % 12)}`,
        dst: `198.51.100.${1 + (i % 5)}`,
        srcPort: 40_000 + i,
        dstPort,
        startMs: T0 + i * 5_000,
      }),
    );
  }
  return out;
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics([
    { name: topic, partitions: PARTITIONS, replicationFactor: 1, configs: {} },
    { name: dlqTopic, partitions: 1, replicationFactor: 1, configs: {} },
  ]);
  redis = await connectRedis(servers.redisUrl);
});

after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  await admin?.deleteTopics([topic, dlqTopic]).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await registry.deleteSubject(`${topic}-value`).catch(() => undefined);
});

interface GroupRun {
  readonly scorers: Scorer[];
  /** Latest emission of each detection id (the one with the most flows: totals only grow). */
  readonly detections: Map<string, Detection>;
  handled: number;
  readonly partitionsPerMember: number[];
  /** Partitions of the topic each member holds since its latest group join. */
  readonly assigned: number[];
}

async function runGroup(name: string, members: number, codec: TopicCodec<FlowFeatures>) {
  const prefix = `it:${id}:${name}:`;
  prefixes.push(prefix);
  const dlqProducer = kafka.producer();
  await dlqProducer.connect();
  const dlq = new DlqPublisher({ producer: dlqProducer, topic: dlqTopic });
  const run: GroupRun = {
    scorers: [],
    detections: new Map(),
    handled: 0,
    partitionsPerMember: [],
    assigned: [],
  };
  for (let m = 0; m < members; m++) {
    const scorer = new Scorer({
      config: compileScorerConfig(),
      store: new RedisScorerStore({ client: redis, keyPrefix: prefix }),
    });
    run.scorers.push(scorer);
    const seen = new Set<number>();
    run.partitionsPerMember.push(0);
    const consumer = kafka.consumer({ groupId: `it-scorer-${name}-${id}`, maxWaitMs: 200 });
    consumers.push(consumer);
    run.assigned.push(0);
    consumer.onGroupJoin((assignment) => {
      run.assigned[m] = assignment[topic]?.length ?? 0;
    });
    await consumer.connect();
    await runRecordBatchConsumer({
      consumer,
      codec,
      dlq,
      stage: 'scorer',
      fromBeginning: true,
      handleBatch: async (records) => {
        const result = await scorer.processBatch(
          records.map((r) => ({
            features: r.value,
            source: { topic: r.topic, partition: r.partition, offset: r.offset },
          })),
        );
        for (const r of records) seen.add(r.partition);
        run.partitionsPerMember[m] = seen.size;
        for (const d of result.detections) {
          const prev = run.detections.get(d.id);
          if (prev === undefined || d.flowCount >= prev.flowCount) run.detections.set(d.id, d);
        }
        run.handled += records.length;
      },
    });
  }
  return { run, stop: () => dlqProducer.disconnect() };
}

test('two scorers splitting a topic in one consumer group reach the same totals as one scorer', async () => {
  const codec = new TopicCodec({ registry, topic, binding: FLOW_FEATURES });
  await codec.register();
  const flows = traffic();
  // Both groups settle their assignments before any flow exists, so the pair really splits
  // the partitions instead of one member draining the topic before the other joins.
  const single = await runGroup('single', 1, codec);
  const pair = await runGroup('pair', 2, codec);
  await eventually('both groups to assign every partition', 60_000, () =>
    single.run.assigned[0] === PARTITIONS &&
    pair.run.assigned.every((n) => n > 0) &&
    pair.run.assigned.reduce((a, b) => a + b, 0) === PARTITIONS
      ? true
      : undefined,
  );
  const producer = kafka.producer();
  await producer.connect();
  await new RecordProducer({ producer, codec }).send(
    flows.map((f) => ({ key: flowKeyOf(f.flow), value: f })),
  );
  await producer.disconnect();
  await eventually('one scorer to handle every flow', 60_000, () =>
    single.run.handled >= flows.length ? true : undefined,
  );
  await eventually('two scorers to handle every flow', 60_000, () =>
    pair.run.handled >= flows.length ? true : undefined,
  );
  await single.stop();
  await pair.stop();

  assert.equal(single.run.handled, flows.length);
  assert.equal(pair.run.handled, flows.length, 'each flow handled once across the group');
  assert.ok(
    pair.run.partitionsPerMember.every((n) => n > 0),
    `both members got partitions: ${pair.run.partitionsPerMember.join(', ')}`,
  );

  const horizon = T0 + flows.length * 5_000;
  for (const port of PORTS) {
    const a = await single.run.scorers[0]!.baseline(port, 'tcp', null, horizon);
    const b = await pair.run.scorers[0]!.baseline(port, 'tcp', null, horizon);
    assert.equal(b.flows, a.flows, `port ${port}: flows`);
    assert.equal(b.opaqueFlows, a.opaqueFlows, `port ${port}: opaque flows`);
    assert.equal(b.distinctSources, a.distinctSources, `port ${port}: distinct sources`);
    assert.equal(a.flows, flows.filter((f) => f.flow.dstPort === port).length);
  }
  // A detection a replica emits counts what the store held when that replica read it, so
  // concurrent replicas may each emit a partial count; the store's aggregate is the total.
  const stored = async (prefix: string, ids: readonly string[]) => {
    const store = new RedisScorerStore({ client: redis, keyPrefix: prefix });
    const state = await store.read({
      ports: [],
      aggregates: ids.map((detectionId) => ({ id: detectionId, pids: [] })),
      hosts: [],
      tierCount: compileScorerConfig().tiers.length,
    });
    return new Map(ids.map((i) => [i, state.aggregates.get(i)?.flowCount ?? 0]));
  };
  const ids = [...single.run.detections.keys()].sort();
  assert.deepEqual([...pair.run.detections.keys()].sort(), ids, 'the same detections');
  const singleTotals = await stored(prefixes[0]!, ids);
  assert.deepEqual(await stored(prefixes[1]!, ids), singleTotals);
  for (const [detectionId, d] of single.run.detections)
    assert.equal(d.flowCount, singleTotals.get(detectionId), 'one scorer emits exact totals');
  const opaque = flows.filter((f) => f.verdict === 'opaque').length;
  const counted = [...singleTotals.values()].reduce((s, n) => s + n, 0);
  assert.equal(counted, opaque, 'every opaque flow counted in exactly one detection');
  for (const s of [...single.run.scorers, ...pair.run.scorers]) s.close();
});
