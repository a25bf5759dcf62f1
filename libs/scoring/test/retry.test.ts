import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  retryWithBackoff,
  ScoringError,
  storeUnavailable,
} from '@opaqueflow/scoring';

test('retries retriable errors with capped exponential backoff, then succeeds', async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await retryWithBackoff(
    () => {
      calls += 1;
      if (calls < 5) return Promise.reject(storeUnavailable('redis down'));
      return Promise.resolve('ok');
    },
    {
      baseDelayMs: 100,
      maxDelayMs: 500,
      jitter: false,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  );
  assert.equal(result, 'ok');
  assert.deepEqual(waits, [100, 200, 400, 500]);
});

test('non-retriable errors and the last attempt are thrown at once', async () => {
  let calls = 0;
  await assert.rejects(
    retryWithBackoff(
      () => {
        calls += 1;
        return Promise.reject(new ScoringError('SCORING_CONFIG_INVALID', 'bad'));
      },
      { sleep: () => Promise.resolve() },
    ),
    /bad/,
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    retryWithBackoff(
      () => {
        calls += 1;
        return Promise.reject(storeUnavailable('down'));
      },
      { maxAttempts: 3, sleep: () => Promise.resolve() },
    ),
    (err: unknown) => err instanceof ScoringError && err.retriable,
  );
  assert.equal(calls, 3);
});

test('an abort stops the waiting', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('shutting down')), 50);
  await assert.rejects(
    retryWithBackoff(() => Promise.reject(storeUnavailable('down')), {
      baseDelayMs: 10_000,
      signal: controller.signal,
    }),
    /shutting down/,
  );
  assert.ok(Date.now() - started < 5_000);
});

test('jitter stays within half to full backoff', () => {
  assert.equal(backoffDelay(1, 100, 1000), 100);
  assert.equal(backoffDelay(10, 100, 1000), 1000);
});
