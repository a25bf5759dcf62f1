import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { startTelemetry } from '@opaqueflow/telemetry';
import type {
  BatchInfo,
  ConsumedRecord,
  IncomingMessage,
  MessageBatch,
  Registry,
} from '../src/index.js';
import {
  DLQ_HEADERS,
  DlqPublisher,
  FLOW_RECORD,
  RecordProducer,
  TopicCodec,
  runRecordBatchConsumer,
} from '../src/index.js';
import { FakeConsumer, FakeProducer } from './fake-transport.js';
import { flowRecord } from './fixtures.js';

const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B = '1bf7651916cd43dd8448eb211c80319d';
const control = { heartbeat: () => Promise.resolve(), isRunning: () => true };

async function setup() {
  const registry = { register: () => Promise.resolve(42) } as unknown as Registry;
  const codec = new TopicCodec({ registry, topic: 'opaqueflow.flows.v1', binding: FLOW_RECORD });
  await codec.register();
  const good = codec.encode(flowRecord);
  assert.ok(good.ok);
  const messages: IncomingMessage[] = [
    {
      key: Buffer.from('k'),
      value: good.value,
      offset: '10',
      timestamp: '1',
      headers: { traceparent: Buffer.from(`00-${TRACE_A}-b7ad6b7169203331-01`) },
    },
    {
      key: Buffer.from('bad'),
      value: Buffer.from('nope'),
      offset: '11',
      timestamp: '2',
      headers: {},
    },
    {
      key: Buffer.from('k2'),
      value: good.value,
      offset: '12',
      timestamp: '3',
      headers: { traceparent: Buffer.from(`00-${TRACE_B}-c7ad6b7169203331-01`) },
    },
  ];
  const batch: MessageBatch = {
    topic: 'opaqueflow.flows.v1',
    partition: 2,
    messages,
    highWatermark: '20',
  };
  const telemetry = await startTelemetry({
    serviceName: 'c',
    metrics: { host: '127.0.0.1', port: 0 },
    registerGlobal: false,
  });
  const dlqProducer = new FakeProducer();
  return {
    codec,
    batch,
    telemetry,
    dlqProducer,
    consumer: new FakeConsumer(),
    dlq: new DlqPublisher({ producer: dlqProducer, topic: 'opaqueflow.dlq.v1' }),
  };
}

test('a batch: bad records to the DLQ first, good ones to the handler, counted; lag and latency measured', async () => {
  const s = await setup();
  try {
    const handled: ConsumedRecord<FlowRecord>[] = [];
    const out = new FakeProducer();
    let info: BatchInfo | null = null;
    await runRecordBatchConsumer({
      consumer: s.consumer,
      codec: s.codec,
      dlq: s.dlq,
      stage: 'features',
      tracer: s.telemetry.tracer,
      meter: s.telemetry.meter,
      handleBatch: async (records, batch) => {
        assert.equal(s.dlqProducer.sent.length, 1, 'dead letters acknowledged before the handler');
        handled.push(...records);
        info = batch;
        await new RecordProducer({
          producer: out,
          codec: s.codec,
          tracer: s.telemetry.tracer,
        }).send(
          records.map((r) => ({ key: r.key, value: r.value })),
          batch.context,
        );
      },
    });
    assert.deepEqual(s.consumer.options?.topics, ['opaqueflow.flows.v1']);
    await s.consumer.options.eachBatch(s.batch, control);
    assert.deepEqual(
      handled.map((r) => r.offset),
      ['10', '12'],
    );
    assert.deepEqual(handled[0]?.value, flowRecord);
    const letter = s.dlqProducer.sent[0]?.messages[0];
    assert.deepEqual(letter?.value, Buffer.from('nope'));
    assert.equal(letter?.headers?.[DLQ_HEADERS.sourceOffset], '11');
    assert.equal(letter?.headers?.[DLQ_HEADERS.code], 'WIRE_FORMAT_INVALID');
    // The batch span continues the first record's trace, so output stays in ingest's trace.
    assert.equal(trace.getSpanContext(info!.context)?.traceId, TRACE_A);
    const traceparent = String(out.sent[0]?.messages[0]?.headers?.traceparent);
    assert.equal(traceparent.slice(3, 35), TRACE_A);
    const text = await (await fetch(s.telemetry.metricsUrl ?? '')).text();
    assert.match(
      text,
      /^opaqueflow_features_records_consumed_total\{topic="opaqueflow.flows.v1"\} 2$/m,
    );
    assert.match(
      text,
      /^opaqueflow_features_records_dead_lettered_total\{topic="opaqueflow.flows.v1",code="WIRE_FORMAT_INVALID"\} 1$/m,
    );
    assert.match(
      text,
      /^opaqueflow_features_consumer_lag_records\{topic="opaqueflow.flows.v1",partition="2"\} 7$/m,
    );
    assert.match(
      text,
      /^opaqueflow_features_batch_duration_seconds_count\{topic="opaqueflow.flows.v1"\} 1$/m,
    );
  } finally {
    await s.telemetry.shutdown();
  }
});

test('a failing handler fails the batch (no commit), is counted and reported; a retry succeeds', async () => {
  const s = await setup();
  try {
    let fail = true;
    const errors: unknown[] = [];
    await runRecordBatchConsumer({
      consumer: s.consumer,
      codec: s.codec,
      dlq: s.dlq,
      stage: 'scorer',
      meter: s.telemetry.meter,
      onBatchError: (e) => errors.push(e),
      handleBatch: () => (fail ? Promise.reject(new Error('redis down')) : Promise.resolve()),
    });
    await assert.rejects(s.consumer.options!.eachBatch(s.batch, control), /redis down/);
    assert.equal(errors.length, 1);
    fail = false;
    await s.consumer.options!.eachBatch(s.batch, control);
    const text = await (await fetch(s.telemetry.metricsUrl ?? '')).text();
    assert.match(text, /^opaqueflow_scorer_batch_errors_total\{topic="opaqueflow.flows.v1"\} 1$/m);
    assert.equal(
      s.dlqProducer.sent.length,
      2,
      'a redelivered batch dead-letters its bad record again',
    );
  } finally {
    await s.telemetry.shutdown();
  }
});
