import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import {
  compileScorerConfig,
  MemoryScorerStore,
  Scorer,
  type ApplyRequest,
  type ScorerStore,
} from '@opaqueflow/scoring';
import { itemsOf, makeFeatures } from '@opaqueflow/scoring/testing';
import {
  crc16,
  hashTagOf,
  isTransientRedisError,
  keySlot,
  RedisScorerStore,
} from '@opaqueflow/scoring-redis';

test('CRC16/XMODEM and key slots match the Redis Cluster specification', () => {
  assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
  assert.equal(keySlot('123456789'), 12739);
  assert.equal(keySlot('foo'), 12182);
  assert.equal(hashTagOf('of:{p:443/tcp}:t0'), 'p:443/tcp');
  assert.equal(hashTagOf('a{}b{c}'), 'a{}b{c}');
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
});

test('every Lua call of a real batch touches keys of one slot only', async () => {
  let captured: ApplyRequest | null = null;
  const memory = new MemoryScorerStore();
  const capturing: ScorerStore = {
    read: (r) => memory.read(r),
    apply: (r) => {
      captured = r;
      return memory.apply(r);
    },
    close: () => memory.close(),
  };
  const scorer = new Scorer({
    config: compileScorerConfig({
      networks: { scopes: [{ name: 'lab', cidrs: ['10.7.0.0/16'] }] },
    }),
    store: capturing,
  });
  const flows = [
    ...Array.from({ length: 40 }, (_, i) =>
      makeFeatures({ src: `10.1.0.${i}`, dstPort: 7000 + (i % 9), srcPort: 40_000 + i }),
    ),
    makeFeatures({ kind: 'tls', dst: '10.7.1.1' }),
    makeFeatures({ src: '2001:db8::1', dst: '2001:db8::2', dstPort: 9999 }),
  ];
  await scorer.processBatch([...itemsOf(flows.slice(0, 20), 0), ...itemsOf(flows.slice(20), 1)]);
  assert.ok(captured !== null);
  const calls = new RedisScorerStore({ client: {} as Redis }).scriptCalls(captured);
  assert.ok(calls.filter((c) => c.script === 'port').length >= 10);
  assert.ok(calls.some((c) => c.keys.some((k) => k.includes('/lab}'))));
  for (const call of calls) {
    const slots = new Set(call.keys.map(keySlot));
    assert.equal(
      slots.size,
      1,
      `${call.script} keys ${call.keys.join(' ')} span ${slots.size} slots`,
    );
  }
});

test('connection and cluster-topology errors are retriable, script errors are not', () => {
  for (const message of [
    'connect ECONNREFUSED 127.0.0.1:6379',
    'Connection is closed.',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Command timed out',
    'MOVED 3999 127.0.0.1:6381',
    'CLUSTERDOWN The cluster is down',
    'LOADING Redis is loading the dataset in memory',
  ])
    assert.equal(isTransientRedisError(new Error(message)), true, message);
  assert.equal(
    isTransientRedisError(
      new Error('ERR user_script:1: Script attempted to access nonexistent global variable'),
    ),
    false,
  );
  assert.equal(
    isTransientRedisError(
      new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
    ),
    false,
  );
});
