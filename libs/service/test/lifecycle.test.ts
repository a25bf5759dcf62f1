import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@opaqueflow/telemetry';
import { Lifecycle } from '../src/index.js';

function quietLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as never);
      done();
    },
  });
  return { logger: createLogger({ service: 't', level: 'debug', destination }), lines };
}

test('stop runs stopping steps, then draining steps, in registration order, once', async () => {
  const { logger } = quietLogger();
  const exits: number[] = [];
  const lc = new Lifecycle({ graceMs: 1_000, forceMs: 1_000, logger, exit: (c) => exits.push(c) });
  const order: string[] = [];
  const states: string[] = [];
  lc.onStateChange((s) => states.push(s));
  lc.onDraining('commit', () => void order.push(`commit:${lc.state}`));
  lc.onStopping('intake', () => void order.push(`intake:${lc.state}`));
  lc.onDraining('close', async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push(`close:${lc.state}`);
  });
  lc.markRunning();
  const [a, b] = await Promise.all([lc.stop('SIGTERM'), lc.stop('again')]);
  assert.equal(a, b);
  assert.deepEqual(order, ['intake:stopping', 'commit:draining', 'close:draining']);
  assert.deepEqual(states, ['running', 'stopping', 'draining', 'stopped']);
  assert.equal(a.exitCode, 0);
  assert.equal(a.reason, 'SIGTERM');
  assert.deepEqual(exits, [0]);
  assert.equal(await lc.stopped, a);
});

test('a failing step is reported and the later steps still run (Redis closes after a stuck Kafka)', async () => {
  const { logger, lines } = quietLogger();
  const lc = new Lifecycle({ graceMs: 1_000, forceMs: 1_000, logger });
  let closed = false;
  lc.onDraining('consumer', () => {
    throw new Error('broker gone');
  });
  lc.onDraining('redis', () => {
    closed = true;
  });
  lc.markRunning();
  const report = await lc.stop('SIGTERM');
  assert.equal(closed, true);
  assert.deepEqual(report.failedSteps, ['consumer']);
  assert.equal(report.exitCode, 1);
  assert.ok(lines.some((l) => l.msg === 'shutdown step failed' && l.step === 'consumer'));
});

test('the grace period aborts waiting steps; the force deadline exits even if a step hangs', async () => {
  const { logger } = quietLogger();
  const exits: number[] = [];
  const lc = new Lifecycle({ graceMs: 30, forceMs: 30, logger, exit: (c) => exits.push(c) });
  let aborted = false;
  lc.onDraining('batch in flight', (signal) => {
    signal.addEventListener('abort', () => (aborted = true));
    // Never resolves: the force deadline must still end the process.
    return new Promise<void>(() => undefined);
  });
  lc.markRunning();
  void lc.stop('SIGTERM');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(aborted, true);
  assert.deepEqual(exits, [1]);
  assert.equal(lc.state, 'draining');
});

test('a failure stop exits 1 even when every step succeeds; markRunning twice is refused', async () => {
  const { logger } = quietLogger();
  const lc = new Lifecycle({ graceMs: 100, forceMs: 100, logger });
  lc.markRunning();
  assert.throws(() => lc.markRunning(), /cannot run a service that is running/);
  const report = await lc.stop('start failed', { failure: true });
  assert.equal(report.exitCode, 1);
});
