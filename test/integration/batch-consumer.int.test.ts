import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { FlowRecord } from '@opaqueflow/flow-model';
import type { DeadLetter } from '@opaqueflow/kafka';
import {
  DlqPublisher,
  FLOW_RECORD,
  RecordProducer,
  Registry,
  TopicCodec,
  createKafkaClient,
  runRecordBatchConsumer,
} from '@opaqueflow/kafka';
import type { KafkaAdmin, MessageConsumer, MessageProducer } from '@opaqueflow/kafka';
import type { Telemetry } from '@opaqueflow/telemetry';
import { startTelemetry } from '@opaqueflow/telemetry';
import { flowRecord } from '../../libs/kafka/test/fixtures.js';
import { eventually, runId, serverAddresses } from './servers.js';

const servers = serverAddresses();
const id = runId();
const topic = `it.batch.${id}`;
const dlqTopic = `it.batch-dlq.${id}`;
const groupId = `it-batch-${id}`;
const kafka = createKafkaClient({ clientId: `it-batch-${id}`, brokers: servers.brokers });
const registry = new Registry({ url: servers.registryUrl });
let admin: KafkaAdmin;
let producer: MessageProducer;
let consumer: MessageConsumer | undefined;
let telemetry: Telemetry;

before(async () => {
  telemetry = await startTelemetry({ serviceName: 'it-batch', metrics: false });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics(
    [topic, dlqTopic].map((name) => ({ name, partitions: 1, replicationFactor: 1, configs: {} })),
  );
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await admin?.deleteTopics([topic, dlqTopic]).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await registry.deleteSubject(`${topic}-value`).catch(() => undefined);
  await telemetry?.shutdown();
});

test('batch consumer: DLQ first, handler next, offsets committed only after the handler resolved; a failed batch is redelivered', async () => {
  const codec = new TopicCodec({ registry, topic, binding: FLOW_RECORD });
  await codec.register();
  const sent: FlowRecord[] = Array.from({ length: 20 }, (_, i) => ({
    ...flowRecord,
    flowId: `b-${id}-${i}`,
  }));
  const parent = telemetry.tracer.startSpan('upstream');
  await new RecordProducer({ producer, codec, tracer: telemetry.tracer }).send(
    sent.map((value) => ({ key: value.flowId, value })),
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  parent.end();
  await producer.send(topic, [{ key: 'junk', value: Buffer.from([0, 0, 0, 0]) }]);

  const seen: string[] = [];
  const traceIds = new Set<string>();
  const letters: DeadLetter[] = [];
  let failures = 0;
  consumer = kafka.consumer({ groupId, maxWaitMs: 200 });
  await consumer.connect();
  await runRecordBatchConsumer({
    consumer,
    codec,
    dlq: new DlqPublisher({ producer, topic: dlqTopic }),
    stage: 'it-batch',
    fromBeginning: true,
    tracer: telemetry.tracer,
    onDeadLetter: (l) => letters.push(l),
    handleBatch: async (records) => {
      for (const r of records) {
        seen.push(r.value.flowId);
        const t = trace.getSpanContext(r.context)?.traceId;
        if (t) traceIds.add(t);
      }
      if (failures === 0) {
        failures++;
        // Nothing may be committed for a batch whose handler failed.
        const [lag] = await admin.groupLag(groupId, topic);
        assert.equal(lag?.committed, '0');
        assert.equal(lag?.lag, 21);
        throw new Error('simulated failure: the batch must come back');
      }
      await Promise.resolve();
    },
  });

  const end = await eventually('the group to commit the end of the topic', 60_000, async () => {
    const [lag] = await admin.groupLag(groupId, topic);
    return lag !== undefined && lag.lag === 0 && lag.highWatermark !== '0'
      ? lag.committed
      : undefined;
  });
  assert.equal(end, '21');
  const unique = new Set(seen);
  assert.equal(unique.size, 20, 'every decodable record was handled');
  assert.ok(seen.length > 20, 'the failed batch was delivered again (at-least-once)');
  assert.deepEqual([...traceIds], [parent.spanContext().traceId]);
  assert.ok(
    letters.length >= 1 &&
      letters.every((l) => l.code === 'DECODE_FAILED' || l.code === 'WIRE_FORMAT_INVALID'),
  );
});
