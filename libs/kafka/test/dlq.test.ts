import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DLQ_HEADERS, DlqPublisher, deadLetterMessage } from '../src/index.js';
import { FakeProducer } from './fake-transport.js';

const letter = {
  code: 'DECODE_FAILED',
  message: 'bytes do not decode as FlowRecord',
  stage: 'features',
  sourceTopic: 'opaqueflow.flows.v1',
  sourcePartition: 7,
  sourceOffset: '18446744073709551615',
  sourceTimestamp: '1764280000123',
  key: Buffer.from('flow-key'),
  value: Buffer.from([0, 0, 0, 0, 9, 0xde, 0xad]),
  headers: {
    traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    [DLQ_HEADERS.code]: 'OLD',
  },
};

test('a dead letter keeps the original bytes, key and headers; the reason is in headers', () => {
  const m = deadLetterMessage(letter, 1_764_280_999_000);
  assert.equal(m.key, letter.key);
  assert.equal(m.value, letter.value);
  const h = m.headers ?? {};
  assert.equal(h.traceparent, letter.headers.traceparent);
  assert.equal(h[DLQ_HEADERS.code], 'DECODE_FAILED');
  assert.equal(h[DLQ_HEADERS.message], letter.message);
  assert.equal(h[DLQ_HEADERS.stage], 'features');
  assert.equal(h[DLQ_HEADERS.sourceTopic], 'opaqueflow.flows.v1');
  assert.equal(h[DLQ_HEADERS.sourcePartition], '7');
  assert.equal(h[DLQ_HEADERS.sourceOffset], '18446744073709551615');
  assert.equal(h[DLQ_HEADERS.sourceTimestamp], '1764280000123');
  assert.equal(h[DLQ_HEADERS.time], '1764280999000');
  // The caller's headers object is not modified.
  assert.equal(letter.headers[DLQ_HEADERS.code], 'OLD');
});

test('long reasons are bounded', () => {
  const m = deadLetterMessage({ ...letter, message: 'x'.repeat(10_000) });
  assert.equal(String(m.headers?.[DLQ_HEADERS.message]).length, 1_000);
});

test('the publisher sends to the DLQ topic in one request, nothing for an empty batch', async () => {
  const producer = new FakeProducer();
  const sent = producer.sent;
  const dlq = new DlqPublisher({ producer, topic: 'opaqueflow.dlq.v1' });
  await dlq.publish([]);
  assert.equal(sent.length, 0);
  await dlq.publish([letter, letter]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.topic, 'opaqueflow.dlq.v1');
  assert.equal(sent[0]?.messages.length, 2);
});
