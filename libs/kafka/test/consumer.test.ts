import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { startTelemetry } from '@opaqueflow/telemetry';
import type {
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  KafkaMessage,
  Producer,
  ProducerRecord,
} from 'kafkajs';
import type { ConsumedRecord, Registry } from '../src/index.js';
import {
  DLQ_HEADERS,
  DlqPublisher,
  FLOW_RECORD,
  TopicCodec,
  runRecordBatchConsumer,
  runRecordConsumer,
} from '../src/index.js';
import { flowRecord } from './fixtures.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

async function setup() {
  const registry = { register: () => Promise.resolve(42) } as unknown as Registry;
  const codec = new TopicCodec({ registry, topic: 'opaqueflow.flows.v1', binding: FLOW_RECORD });
  await codec.register();
  const dlqSent: ProducerRecord[] = [];
  const producer = {
    send: (r: ProducerRecord) => (dlqSent.push(r), Promise.resolve([])),
  } as unknown as Producer;
  let runConfig: ConsumerRunConfig | undefined;
  const consumer = {
    subscribe: () => Promise.resolve(),
    run: (c: ConsumerRunConfig) => ((runConfig = c), Promise.resolve()),
  } as unknown as Consumer;
  const good = codec.encode(flowRecord);
  assert.ok(good.ok);
  const messages: KafkaMessage[] = [
    {
      key: Buffer.from('k'),
      value: good.value,
      offset: '10',
      timestamp: '1',
      attributes: 0,
      headers: { traceparent: Buffer.from(TRACEPARENT) },
    },
    {
      key: Buffer.from('bad'),
      value: Buffer.from('nope'),
      offset: '11',
      timestamp: '2',
      attributes: 0,
      headers: {},
    },
  ];
  const telemetry = await startTelemetry({
    serviceName: 'c',
    metrics: { host: '127.0.0.1', port: 0 },
    registerGlobal: false,
  });
  return {
    codec,
    producer,
    consumer,
    dlqSent,
    messages,
    telemetry,
    run: () => runConfig,
    dlq: new DlqPublisher({ producer, topic: 'opaqueflow.dlq.v1' }),
  };
}

test('per message: good records reach the handler under the producer trace, bad ones the DLQ; both counted', async () => {
  const s = await setup();
  try {
    const handled: ConsumedRecord<FlowRecord>[] = [];
    await runRecordConsumer({
      consumer: s.consumer,
      codec: s.codec,
      dlq: s.dlq,
      stage: 'features',
      tracer: s.telemetry.tracer,
      meter: s.telemetry.meter,
      handle: (r) => (handled.push(r), Promise.resolve()),
    });
    const eachMessage = s.run()?.eachMessage;
    assert.ok(eachMessage);
    for (const message of s.messages)
      await eachMessage({
        topic: 'opaqueflow.flows.v1',
        partition: 2,
        message,
        heartbeat: () => Promise.resolve(),
        pause: () => () => undefined,
      });
    assert.equal(handled.length, 1);
    assert.deepEqual(handled[0]?.value, flowRecord);
    assert.equal(
      trace.getSpanContext(handled[0]?.context ?? ({} as never))?.traceId,
      TRACEPARENT.slice(3, 35),
    );
    assert.equal(s.dlqSent.length, 1);
    const letter = s.dlqSent[0]?.messages[0];
    assert.deepEqual(letter?.value, Buffer.from('nope'));
    assert.equal(letter?.headers?.[DLQ_HEADERS.sourceOffset], '11');
    assert.equal(letter?.headers?.[DLQ_HEADERS.stage], 'features');
    const text = await (await fetch(s.telemetry.metricsUrl ?? '')).text();
    assert.match(
      text,
      /^opaqueflow_features_records_consumed_total\{topic="opaqueflow.flows.v1"\} 1$/m,
    );
    assert.match(
      text,
      /^opaqueflow_features_records_dead_lettered_total\{topic="opaqueflow.flows.v1",code="WIRE_FORMAT_INVALID"\} 1$/m,
    );
  } finally {
    await s.telemetry.shutdown();
  }
});

test('per batch: the offset is resolved only after the handler resolved; a failing handler resolves nothing', async () => {
  const s = await setup();
  try {
    let fail = true;
    await runRecordBatchConsumer({
      consumer: s.consumer,
      codec: s.codec,
      dlq: s.dlq,
      stage: 'scorer',
      handleBatch: () => (fail ? Promise.reject(new Error('redis down')) : Promise.resolve()),
    });
    const eachBatch = s.run()?.eachBatch;
    assert.ok(eachBatch);
    const resolved: string[] = [];
    const payload = {
      batch: {
        topic: 'opaqueflow.flows.v1',
        partition: 0,
        messages: s.messages,
        lastOffset: () => '11',
      },
      resolveOffset: (o: string) => void resolved.push(o),
      heartbeat: () => Promise.resolve(),
      commitOffsetsIfNecessary: () => Promise.resolve(),
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    await assert.rejects(eachBatch(payload), /redis down/);
    assert.deepEqual(resolved, []);
    fail = false;
    await eachBatch(payload);
    assert.deepEqual(resolved, ['11']);
  } finally {
    await s.telemetry.shutdown();
  }
});
