// The Kafka transport (libs/kafka/src/transport) against the real broker: topics created
// with their settings and checked when present, a commit only after the handler resolved,
// stop() finishing the batch in flight before leaving the group, and lag per partition.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaAdmin } from '@opaqueflow/kafka';
import { KafkaError, createKafkaClient, ensureTopics, pipelineTopicSpecs } from '@opaqueflow/kafka';
import { eventually, runId, serverAddresses } from './servers.js';

const servers = serverAddresses();
const id = runId();
const kafka = createKafkaClient({ clientId: `it-transport-${id}`, brokers: servers.brokers });
const names = {
  flows: `it.t-flows.${id}`,
  features: `it.t-features.${id}`,
  detections: `it.t-detections.${id}`,
  dlq: `it.t-dlq.${id}`,
};
const created: string[] = [];
let admin: KafkaAdmin;

before(async () => {
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin.deleteTopics(created).catch(() => undefined);
  await admin.disconnect();
});

test('pipeline topics: created with their partitions and policies, then checked when present', async () => {
  const specs = pipelineTopicSpecs(names, { partitions: 4, replicationFactor: 1 });
  created.push(...specs.map((s) => s.name));
  assert.deepEqual(await ensureTopics(admin, specs), []);
  const d = await admin.describeTopics(Object.values(names), ['cleanup.policy', 'retention.ms']);
  assert.equal(d.get(names.flows)?.partitions, 4);
  assert.equal(d.get(names.flows)?.configs['cleanup.policy'], 'delete');
  assert.equal(d.get(names.flows)?.configs['retention.ms'], '86400000');
  assert.equal(d.get(names.detections)?.configs['cleanup.policy'], 'compact');
  assert.equal(d.get(names.dlq)?.partitions, 3);
  // Present now: nothing to create, nothing to report.
  assert.deepEqual(await ensureTopics(admin, specs), []);
  // Configured with more partitions than the topic has: a warning, not a failure.
  const wider = pipelineTopicSpecs(names, { partitions: 8, replicationFactor: 1 });
  const findings = await ensureTopics(admin, wider);
  assert.ok(findings.some((f) => f.topic === names.flows && f.severity === 'warning'));
});

test('a detections topic that deletes instead of compacting is refused by name', async () => {
  const other = { ...names, detections: `it.t-bad-detections.${id}` };
  created.push(other.detections);
  await admin.createTopics([
    {
      name: other.detections,
      partitions: 1,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'delete' },
    },
  ]);
  await assert.rejects(
    ensureTopics(admin, pipelineTopicSpecs(other, { partitions: 4, replicationFactor: 1 })),
    (e: unknown) =>
      e instanceof KafkaError &&
      e.code === 'TOPIC_MISCONFIGURED' &&
      e.message.includes(other.detections) &&
      e.message.includes('compact'),
  );
});

test('stop() lets the batch in flight finish and commits it before leaving the group', async () => {
  const topic = `it.t-stop.${id}`;
  const groupId = `it-t-stop-${id}`;
  created.push(topic);
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: {} }]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send(
    topic,
    Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) })),
  );
  const consumer = kafka.consumer({ groupId, maxWaitMs: 200 });
  await consumer.connect();
  let started!: () => void;
  const inFlight = new Promise<void>((r) => (started = r));
  let finished = false;
  let handled = 0;
  await consumer.run({
    topics: [topic],
    fromBeginning: true,
    eachBatch: async (batch) => {
      started();
      await new Promise((r) => setTimeout(r, 500));
      handled += batch.messages.length;
      finished = true;
    },
  });
  await inFlight;
  assert.equal((await admin.groupLag(groupId, topic))[0]?.committed, '0', 'not committed yet');
  await consumer.stop();
  assert.equal(finished, true, 'stop waited for the handler');
  await consumer.disconnect();
  await producer.disconnect();
  const [lag] = await eventually('the commit to be visible', 10_000, async () => {
    const l = await admin.groupLag(groupId, topic);
    return l[0]?.committed === String(handled) ? l : undefined;
  });
  assert.equal(lag?.lag, 10 - handled);
  assert.equal(lag?.highWatermark, '10');
});
