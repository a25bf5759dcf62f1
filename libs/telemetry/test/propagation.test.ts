import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { KafkaHeaders } from '../src/index.js';
import {
  extractTraceContext,
  headerText,
  injectTraceContext,
  startTelemetry,
} from '../src/index.js';

/** What a kafkajs consumer hands back: every header value as a Buffer. */
function asReceived(headers: KafkaHeaders): KafkaHeaders {
  const out: KafkaHeaders = {};
  for (const [k, v] of Object.entries(headers))
    if (typeof v === 'string') out[k] = Buffer.from(v, 'utf8');
  return out;
}

test('inject → Kafka headers → extract keeps the trace id and parent span id', async () => {
  const t = await startTelemetry({ serviceName: 'test', metrics: false, registerGlobal: false });
  try {
    const span = t.tracer.startSpan('publish opaqueflow.flows.v1');
    const sent = injectTraceContext({ 'content-type': 'avro' }, trace.setSpan(ROOT_CONTEXT, span));
    assert.match(headerText(sent.traceparent) ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    for (const received of [asReceived(sent), sent]) {
      const remote = trace.getSpanContext(extractTraceContext(received));
      assert.ok(remote);
      assert.equal(remote.traceId, span.spanContext().traceId);
      assert.equal(remote.spanId, span.spanContext().spanId);
      assert.equal(remote.isRemote, true);
    }
    span.end();
  } finally {
    await t.shutdown();
  }
});

test('extract accepts arrays and any header-name case', () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  for (const headers of [{ traceparent: [Buffer.from(tp)] }, { TraceParent: tp }]) {
    const remote = trace.getSpanContext(extractTraceContext(headers));
    assert.equal(remote?.traceId, '0af7651916cd43dd8448eb211c80319c');
  }
});

test('no span in context writes nothing; missing or malformed headers give the base context', () => {
  assert.deepEqual(injectTraceContext({}, ROOT_CONTEXT), {});
  assert.equal(extractTraceContext(undefined), ROOT_CONTEXT);
  assert.equal(extractTraceContext(null), ROOT_CONTEXT);
  assert.equal(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' })), undefined);
  assert.equal(
    trace.getSpanContext(
      extractTraceContext({
        traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      }),
    ),
    undefined,
  );
});

test('extract never throws on hostile headers', () => {
  const value = fc.oneof(
    fc.string(),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
    fc.constant(undefined),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('traceparent', 'tracestate', 'x'), value), (h) => {
      extractTraceContext(h);
    }),
  );
});
