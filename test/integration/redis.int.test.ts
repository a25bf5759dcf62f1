import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { runId, serverAddresses } from './servers.js';

test('ioredis round trip: strings, hashes with TTL, a Lua script', async () => {
  const { redisUrl } = serverAddresses();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  const prefix = `it:${runId()}`;
  try {
    await redis.connect();
    assert.equal(await redis.set(`${prefix}:s`, 'opaque'), 'OK');
    assert.equal(await redis.get(`${prefix}:s`), 'opaque');

    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    await redis.set(`${prefix}:b`, bytes);
    assert.deepEqual(await redis.getBuffer(`${prefix}:b`), bytes);

    await redis.hset(`${prefix}:h`, { flows: '3', opaque: '1' });
    await redis.pexpire(`${prefix}:h`, 60_000);
    assert.deepEqual(await redis.hgetall(`${prefix}:h`), { flows: '3', opaque: '1' });
    const ttl = await redis.pttl(`${prefix}:h`);
    assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);

    // Check-and-apply, as the scorer's idempotent updates do: a replayed offset changes nothing.
    const apply =
      "local last = tonumber(redis.call('HGET', KEYS[1], 'offset') or '-1') " +
      'if tonumber(ARGV[1]) <= last then return 0 end ' +
      "redis.call('HSET', KEYS[1], 'offset', ARGV[1]) redis.call('HINCRBY', KEYS[1], 'n', 1) return 1";
    assert.equal(await redis.eval(apply, 1, `${prefix}:idem`, '5'), 1);
    assert.equal(await redis.eval(apply, 1, `${prefix}:idem`, '5'), 0);
    assert.equal(await redis.eval(apply, 1, `${prefix}:idem`, '6'), 1);
    assert.equal(await redis.hget(`${prefix}:idem`, 'n'), '2');
  } finally {
    await redis.del(`${prefix}:s`, `${prefix}:b`, `${prefix}:h`, `${prefix}:idem`).catch(() => 0);
    await redis.quit().catch(() => undefined);
  }
});
