import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ExceptionCache,
  MemoryExceptionStore,
  ScoringError,
  validateException,
  type ExceptionSource,
} from '@opaqueflow/scoring';
import { makeFeatures } from '@opaqueflow/scoring/testing';

const base = {
  id: 'e1',
  reason: 'approved backup tunnel',
  author: 'alice',
  createdAtMs: 1,
  expiresAtMs: null,
};

test('validation names the bad field', () => {
  for (const [bad, field] of [
    [{ ...base, dstCidrs: ['300.1.1.1/8'] }, 'dstCidrs[0]'],
    [{ ...base, ports: [70000] }, 'ports'],
    [{ ...base, transport: 'sctp' }, 'transport'],
    [{ ...base, author: '' }, 'author'],
    [{ ...base, expiresAtMs: 'soon' }, 'expiresAtMs'],
  ] as const) {
    assert.throws(
      () => validateException(bad),
      (err: unknown) => err instanceof ScoringError && err.field === field,
    );
  }
});

test('match by CIDR, port, transport and protocol; expiry by the wall clock', async () => {
  let now = 1000;
  const store = new MemoryExceptionStore();
  store.put({
    ...base,
    srcCidrs: ['10.0.0.0/8'],
    ports: [8444],
    transport: 'tcp',
    protocols: ['opaque'],
    expiresAtMs: 5000,
  });
  const cache = new ExceptionCache(store, 1000, () => now);
  await cache.refresh();
  assert.equal(cache.match(makeFeatures())?.id, 'e1');
  assert.equal(cache.match(makeFeatures({ src: '192.168.1.1' })), null);
  assert.equal(cache.match(makeFeatures({ dstPort: 9999 })), null);
  assert.equal(cache.match(makeFeatures({ transport: 'udp' })), null);
  now = 5000;
  assert.equal(cache.match(makeFeatures()), null);
});

test('a failing source keeps the last good set; bad records are counted, not fatal', async () => {
  let fail = false;
  const source: ExceptionSource = {
    version: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve('7')),
    load: () => Promise.resolve({ version: '7', exceptions: [base, { id: 'broken' }] }),
  };
  let now = 0;
  const cache = new ExceptionCache(source, 1000, () => now);
  await cache.refresh();
  assert.equal(cache.invalidRecords, 1);
  assert.equal(cache.match(makeFeatures())?.id, 'e1');
  fail = true;
  now = 2000;
  await cache.refresh();
  assert.equal(cache.loadFailures, 1);
  assert.equal(cache.match(makeFeatures())?.id, 'e1');
});
