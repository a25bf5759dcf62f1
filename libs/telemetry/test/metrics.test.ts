import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TelemetryError, counterName, createCounter, startTelemetry } from '../src/index.js';

test('counter names follow opaqueflow_<stage>_<name>_total', () => {
  assert.equal(counterName('ingest', 'flows'), 'opaqueflow_ingest_flows_total');
  assert.equal(counterName('scorer', 'detections_total'), 'opaqueflow_scorer_detections_total');
  assert.throws(() => counterName('Ingest', 'flows'), TelemetryError);
  assert.throws(() => counterName('ingest', 'flows-seen'), TelemetryError);
});

test('labels that would carry addresses, ports or flow keys are refused at creation', async () => {
  const t = await startTelemetry({ serviceName: 'test', metrics: false, registerGlobal: false });
  try {
    for (const label of ['src_ip', 'dst_port', 'flow_id', 'peer_addr'])
      assert.throws(
        () => createCounter(t.meter, { stage: 'x', name: 'y', description: 'd', labels: [label] }),
        (e: unknown) => e instanceof TelemetryError && e.code === 'TELEMETRY_FORBIDDEN_LABEL',
      );
  } finally {
    await t.shutdown();
  }
});

test('the /metrics endpoint serves a counter that was incremented (real HTTP on 127.0.0.1)', async () => {
  const t = await startTelemetry({
    serviceName: 'ingest-test',
    metrics: { host: '127.0.0.1', port: 0 },
    registerGlobal: false,
  });
  try {
    assert.match(t.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const flows = createCounter(t.meter, {
      stage: 'ingest',
      name: 'flows',
      description: 'flows assembled',
      labels: ['source'],
    });
    flows.add(2, { source: 'pcap', src_ip: '10.0.0.1' });
    flows.add(1, { source: 'pcap' });
    flows.add(-5, { source: 'pcap' });
    flows.add(Number.NaN, { source: 'pcap' });
    flows.add(4, { source: 'ipfix' });
    const res = await fetch(t.metricsUrl ?? '');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const body = await res.text();
    assert.match(body, /# TYPE opaqueflow_ingest_flows_total counter/);
    assert.match(body, /^opaqueflow_ingest_flows_total\{source="pcap"\} 3$/m);
    assert.match(body, /^opaqueflow_ingest_flows_total\{source="ipfix"\} 4$/m);
    assert.doesNotMatch(body, /10\.0\.0\.1|src_ip/);
    const notFound = await fetch(t.metricsUrl?.replace('/metrics', '/other') ?? '');
    assert.equal(notFound.status, 404);
    await notFound.text();
  } finally {
    await t.shutdown();
    await t.shutdown();
  }
});

test('a metrics port already in use fails start-up with a coded error and its cause', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const { port } = blocker.address() as AddressInfo;
  try {
    await assert.rejects(
      startTelemetry({
        serviceName: 't',
        metrics: { host: '127.0.0.1', port },
        registerGlobal: false,
      }),
      (e: unknown) =>
        e instanceof TelemetryError &&
        e.code === 'TELEMETRY_METRICS_SERVER_FAILED' &&
        e.cause instanceof Error &&
        e.message.includes(String(port)),
    );
  } finally {
    await new Promise<void>((r) => blocker.close(() => r()));
  }
});
