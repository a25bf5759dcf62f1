import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { extractTraceContext, headerText, startTelemetry } from '@opaqueflow/telemetry';
import type { Registry } from '../src/index.js';
import { FLOW_RECORD, RecordProducer, TopicCodec, decodeWire } from '../src/index.js';
import { FakeProducer } from './fake-transport.js';
import { flowRecord } from './fixtures.js';

function fakes() {
  const registered: string[] = [];
  const registry = {
    register: (subject: string) => (registered.push(subject), Promise.resolve(42)),
  } as unknown as Registry;
  const producer = new FakeProducer();
  const sent = producer.sent;
  return { registry, registered, producer, sent };
}

test('encode before register is an ENCODE_FAILED result', () => {
  const { registry } = fakes();
  const codec = new TopicCodec({ registry, topic: 't', binding: FLOW_RECORD });
  const r = codec.encode(flowRecord);
  assert.equal(!r.ok && r.error.code, 'ENCODE_FAILED');
});

test('the producer frames records, keys them, carries trace context, and reports unencodable ones', async () => {
  const t = await startTelemetry({ serviceName: 'p', metrics: false, registerGlobal: false });
  try {
    const { registry, registered, producer, sent } = fakes();
    const codec = new TopicCodec({ registry, topic: 'opaqueflow.flows.v1', binding: FLOW_RECORD });
    assert.equal(await codec.register(), 42);
    await codec.register();
    assert.deepEqual(
      registered,
      ['opaqueflow.flows.v1-value'],
      'registered once, under <topic>-value',
    );

    const parent = t.tracer.startSpan('batch');
    const bad = { ...flowRecord, srcPort: -1.5 } as FlowRecord;
    const outcome = await new RecordProducer({ producer, codec, tracer: t.tracer }).send(
      [
        { key: 'k1', value: flowRecord, headers: { origin: 'test' } },
        { key: 'k2', value: bad },
      ],
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    parent.end();
    assert.equal(outcome.sent, 1);
    assert.equal(outcome.failed[0]?.index, 1);
    assert.equal(outcome.failed[0]?.error.path, 'srcPort');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.topic, 'opaqueflow.flows.v1');
    const message = sent[0]?.messages[0];
    assert.equal(message?.key, 'k1');
    const frame = decodeWire(message?.value);
    assert.equal(frame.ok && frame.value.schemaId, 42);
    assert.equal(headerText(message?.headers?.origin), 'test');
    const remote = trace.getSpanContext(extractTraceContext(message?.headers));
    assert.equal(remote?.traceId, parent.spanContext().traceId);
    assert.notEqual(
      remote?.spanId,
      parent.spanContext().spanId,
      'the PRODUCER span, child of the batch',
    );
  } finally {
    await t.shutdown();
  }
});

test('nothing encodable: no request to Kafka', async () => {
  const { registry, producer, sent } = fakes();
  const codec = new TopicCodec({ registry, topic: 't', binding: FLOW_RECORD });
  await codec.register();
  const outcome = await new RecordProducer({ producer, codec }).send([
    { key: null, value: { ...flowRecord, ipVersion: 'x' } as unknown as FlowRecord },
  ]);
  assert.equal(outcome.sent, 0);
  assert.equal(sent.length, 0);
});
