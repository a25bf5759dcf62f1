import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { createLogger, startTelemetry } from '../src/index.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

test('JSON lines with service, level label, ISO time; secrets redacted; child bindings kept', () => {
  const { lines, stream } = capture();
  const log = createLogger({
    service: 'scorer',
    level: 'debug',
    destination: stream,
    redactPaths: ['config.REDIS_URL'],
  });
  const child = log.child({ partition: 3 });
  child.info(
    {
      password: 'hunter2',
      config: { REDIS_URL: 'redis://:pw@r', token: 'abc' },
      req: { headers: { authorization: 'Bearer x' } },
    },
    'started',
  );
  log.debug('detail');
  log.trace('hidden');
  assert.equal(lines.length, 2);
  const [first, second] = lines;
  assert.equal(first?.service, 'scorer');
  assert.equal(first?.level, 'info');
  assert.equal(first?.partition, 3);
  assert.equal(first?.msg, 'started');
  assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT/);
  const text = JSON.stringify(first);
  for (const secret of ['hunter2', 'redis://:pw@r', 'abc', 'Bearer x'])
    assert.ok(!text.includes(secret), secret);
  assert.equal(second?.level, 'debug');
  assert.equal(second?.trace_id, undefined);
});

test('a line written inside a span carries its trace id', async () => {
  const t = await startTelemetry({ serviceName: 'log-test', metrics: false });
  try {
    const { lines, stream } = capture();
    const log = createLogger({ service: 'ingest', destination: stream });
    const span = t.tracer.startSpan('work');
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => log.info('inside'));
    span.end();
    assert.equal(lines[0]?.trace_id, span.spanContext().traceId);
    assert.equal(lines[0]?.span_id, span.spanContext().spanId);
  } finally {
    await t.shutdown();
  }
});
