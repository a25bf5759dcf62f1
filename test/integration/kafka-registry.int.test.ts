import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Detection, FlowFeatures, FlowRecord } from '@opaqueflow/flow-model';
import type { DeadLetter, RecordBinding } from '@opaqueflow/kafka';
import {
  DETECTION,
  DLQ_HEADERS,
  DlqPublisher,
  FLOW_FEATURES,
  FLOW_RECORD,
  RecordProducer,
  Registry,
  TopicCodec,
  createKafkaClient,
  runRecordBatchConsumer,
} from '@opaqueflow/kafka';
import type {
  IncomingMessage,
  KafkaAdmin,
  MessageConsumer,
  MessageProducer,
} from '@opaqueflow/kafka';
import type { Telemetry } from '@opaqueflow/telemetry';
import { headerText, startTelemetry } from '@opaqueflow/telemetry';
import { detection, flowFeaturesTls, flowRecord } from '../../libs/kafka/test/fixtures.js';
import { eventually, runId, serverAddresses } from './servers.js';

const servers = serverAddresses();
const id = runId();
const flowsTopic = `it.flows.${id}`;
const dlqTopic = `it.dlq.${id}`;
const kafka = createKafkaClient({ clientId: `it-${id}`, brokers: servers.brokers });
const registry = new Registry({ url: servers.registryUrl });
let admin: KafkaAdmin;
let producer: MessageProducer;
const consumers: MessageConsumer[] = [];
let telemetry: Telemetry;
const subjects: string[] = [];

before(async () => {
  telemetry = await startTelemetry({ serviceName: 'it', metrics: false });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics([
    { name: flowsTopic, partitions: 3, replicationFactor: 1, configs: {} },
    { name: dlqTopic, partitions: 1, replicationFactor: 1, configs: {} },
  ]);
  // Idempotent, as the services use it (InitProducerId against the 4.x broker).
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await admin?.deleteTopics([flowsTopic, dlqTopic]).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  for (const s of subjects) await registry.deleteSubject(s).catch(() => undefined);
  await telemetry?.shutdown();
});

function flowsWithIds(n: number): FlowRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ...flowRecord,
    flowId: `f-${id}-${i}`,
    dstPort: 8000 + i,
    initiatorPayload: i === 1 ? null : new Uint8Array([i, 0xff, 0x00, 0x80 + i]),
  }));
}

test('FlowRecord: register, produce with kafkajs, consume in a group, decode, compare field by field', async () => {
  const codec = new TopicCodec({ registry, topic: flowsTopic, binding: FLOW_RECORD });
  subjects.push(codec.subject);
  const schemaId = await codec.register();
  assert.equal(codec.subject, `${flowsTopic}-value`);
  assert.equal(await registry.getCompatibility(codec.subject), 'BACKWARD');
  assert.equal(await codec.register(), schemaId, 'registering again is idempotent');

  const sent = flowsWithIds(5);
  const recordProducer = new RecordProducer({ producer, codec, tracer: telemetry.tracer });
  const parent = telemetry.tracer.startSpan('ingest batch');
  const outcome = await recordProducer.send(
    sent.map((value) => ({ key: value.flowId, value })),
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  parent.end();
  assert.equal(outcome.sent, 5);
  assert.deepEqual(outcome.failed, []);
  // A record that is not in the wire format must end up in the DLQ, bytes intact.
  const garbage = Buffer.from('not avro at all');
  await producer.send(flowsTopic, [{ key: 'bad', value: garbage }]);

  const consumer = kafka.consumer({ groupId: `it-group-${id}`, maxWaitMs: 200 });
  consumers.push(consumer);
  await consumer.connect();
  const received = new Map<
    string,
    { value: FlowRecord; traceId: string | undefined; key: string }
  >();
  const letters: DeadLetter[] = [];
  await runRecordBatchConsumer({
    consumer,
    codec,
    dlq: new DlqPublisher({ producer, topic: dlqTopic }),
    stage: 'it',
    fromBeginning: true,
    tracer: telemetry.tracer,
    handleBatch: (records) => {
      for (const record of records)
        received.set(record.value.flowId, {
          value: record.value,
          traceId: trace.getSpanContext(record.context)?.traceId,
          key: record.key?.toString() ?? '',
        });
      return Promise.resolve();
    },
    onDeadLetter: (letter) => letters.push(letter),
  });
  await eventually('5 records and 1 dead letter', 60_000, () =>
    received.size === 5 && letters.length === 1 ? true : undefined,
  );

  for (const value of sent) {
    const got = received.get(value.flowId);
    assert.ok(got, `received ${value.flowId}`);
    assert.equal(got.key, value.flowId);
    for (const field of Object.keys(value) as (keyof FlowRecord)[])
      assert.deepEqual(got.value[field], value[field], `${value.flowId}.${field}`);
    assert.equal(got.traceId, parent.spanContext().traceId, 'trace continues across Kafka');
  }
  assert.equal(letters[0]?.code, 'WIRE_FORMAT_INVALID');

  // The DLQ holds the original bytes, with the reason in headers.
  const dlqConsumer = kafka.consumer({ groupId: `it-dlq-${id}`, maxWaitMs: 200 });
  consumers.push(dlqConsumer);
  await dlqConsumer.connect();
  const dead: IncomingMessage[] = [];
  await dlqConsumer.run({
    topics: [dlqTopic],
    fromBeginning: true,
    eachBatch: (batch) => Promise.resolve(void dead.push(...batch.messages)),
  });
  const letter = await eventually('the dead letter', 30_000, () => dead[0]);
  assert.deepEqual(letter.value, garbage);
  assert.equal(letter.key?.toString(), 'bad');
  const h = letter.headers;
  assert.equal(headerText(h[DLQ_HEADERS.code]), 'WIRE_FORMAT_INVALID');
  assert.equal(headerText(h[DLQ_HEADERS.stage]), 'it');
  assert.equal(headerText(h[DLQ_HEADERS.sourceTopic]), flowsTopic);
  assert.match(headerText(h[DLQ_HEADERS.sourcePartition]) ?? '', /^[0-2]$/);
  assert.match(headerText(h[DLQ_HEADERS.sourceOffset]) ?? '', /^\d+$/);
  assert.match(headerText(h[DLQ_HEADERS.message]) ?? '', /magic byte/);
});

async function viaRegistry<T>(binding: RecordBinding<T>, value: T): Promise<void> {
  const topic = `it.${binding.name.toLowerCase()}.${id}`;
  const codec = new TopicCodec({ registry, topic, binding });
  subjects.push(codec.subject);
  const schemaId = await codec.register();
  const bytes = codec.encode(value);
  assert.ok(bytes.ok);
  assert.equal(bytes.value.readUInt32BE(1), schemaId);
  // Decoded by the registry client from the schema the registry stored, independently of ours.
  const raw = (await registry.client.decode(bytes.value)) as Record<string, unknown>;
  assert.deepEqual(binding.fromAvro(raw), { ok: true, value: structuredClone(value) });
  // And by a second codec that never registered: the writer schema comes from the registry.
  const reader = new TopicCodec({ registry, topic, binding });
  assert.deepEqual(await reader.decode(bytes.value), { ok: true, value: structuredClone(value) });
}

test('FlowFeatures and Detection round-trip through the registry', async () => {
  await viaRegistry<FlowFeatures>(FLOW_FEATURES, flowFeaturesTls);
  await viaRegistry<Detection>(DETECTION, detection);
});

test('an unknown schema id is a DECODE_FAILED result, not an exception', async () => {
  const codec = new TopicCodec({ registry, topic: flowsTopic, binding: FLOW_RECORD });
  const bogus = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]);
  const r = await codec.decode(bogus);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'DECODE_FAILED');
});
