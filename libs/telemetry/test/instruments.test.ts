import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  TelemetryError,
  createGauge,
  createHistogram,
  instrumentName,
  startTelemetry,
} from '../src/index.js';

test('histogram and gauge names end in their base unit; _total and unit suffixes are refused', () => {
  assert.equal(
    instrumentName('scorer', 'batch_duration', 'seconds'),
    'opaqueflow_scorer_batch_duration_seconds',
  );
  assert.throws(() => instrumentName('scorer', 'batch_seconds', 'seconds'), TelemetryError);
  assert.throws(() => instrumentName('scorer', 'lag_total', 'records'), TelemetryError);
});

test('a histogram and a per-partition gauge reach /metrics in Prometheus form', async () => {
  const t = await startTelemetry({
    serviceName: 'instruments-test',
    metrics: { host: '127.0.0.1', port: 0 },
    registerGlobal: false,
  });
  try {
    const h = createHistogram(t.meter, {
      stage: 'features',
      name: 'batch_duration',
      unit: 'seconds',
      description: 'batch latency',
      labels: ['topic'],
    });
    const g = createGauge(t.meter, {
      stage: 'features',
      name: 'consumer_lag',
      unit: 'records',
      description: 'records behind the high watermark',
      labels: ['topic', 'partition'],
    });
    h.record(0.02, { topic: 'flows', srcAddr: '10.0.0.1' });
    h.record(Number.NaN);
    g.set(7, { topic: 'flows', partition: '3' });
    assert.throws(
      () =>
        createGauge(t.meter, {
          stage: 'x',
          name: 'y',
          unit: 'records',
          description: 'd',
          labels: ['dst_port'],
        }),
      TelemetryError,
    );
    const text = await (await fetch(t.metricsUrl!)).text();
    assert.match(
      text,
      /opaqueflow_features_batch_duration_seconds_bucket\{topic="flows",le="0\.025"\} 1/,
    );
    assert.match(text, /opaqueflow_features_batch_duration_seconds_count\{topic="flows"\} 1/);
    assert.match(text, /opaqueflow_features_consumer_lag_records\{topic="flows",partition="3"\} 7/);
    assert.doesNotMatch(text, /10\.0\.0\.1/);
  } finally {
    await t.shutdown();
  }
});

test('with an OTLP endpoint, finished spans are posted to <endpoint>/v1/traces', async () => {
  const bodies: { url: string; body: string }[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const port = (collector.address() as AddressInfo).port;
  const t = await startTelemetry({
    serviceName: 'otlp-test',
    metrics: false,
    registerGlobal: false,
    otlpEndpoint: `http://127.0.0.1:${port}/`,
  });
  try {
    const span = t.tracer.startSpan('process opaqueflow.flows.v1');
    const traceId = span.spanContext().traceId;
    span.end();
    await t.shutdown(); // flushes the batch processor
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0]!.url, '/v1/traces');
    assert.ok(bodies[0]!.body.includes(traceId), 'the span went out with its trace id');
    assert.ok(bodies[0]!.body.includes('otlp-test'), 'with the service name as resource');
  } finally {
    await t.shutdown();
    collector.close();
  }
});
