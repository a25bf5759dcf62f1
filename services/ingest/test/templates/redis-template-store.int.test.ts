import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { FlowExportDecoder } from '@opaqueflow/decoders';
import { RedisTemplateStore } from '../../src/templates/redis-template-store.js';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
  ipfixWithdrawal,
  record,
  v9Packet,
  v9TemplateFlowSet,
  type FieldSpec,
} from '../../../../libs/decoders/test/flow-export/builders.js';

const url = process.env['REDIS_URL'];
const fields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 18, length: 65535, enterprise: 6871 },
];
const T0 = 1_700_000_000;
const EXPORTER = '198.51.100.20';

test('Redis template store shares templates between decoder instances', async () => {
  assert.ok(url, 'REDIS_URL not set: run through `pnpm test:integration`, which starts Redis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const prefix = `opaqueflow:test:templates:${process.pid}:${Date.now()}`;
  try {
    const store = new RedisTemplateStore(redis, { prefix, ttlSeconds: 600 });
    const first = new FlowExportDecoder({ templateStore: store });
    const second = new FlowExportDecoder({
      templateStore: new RedisTemplateStore(redis, { prefix }),
    });

    await first.decodeShared(
      ipfixMessage(3, T0, [ipfixTemplateSet([{ id: 256, fields }])]),
      EXPORTER,
    );
    await first.decodeShared(
      v9Packet(3, T0, 0, [v9TemplateFlowSet([{ id: 256, fields: fields.slice(0, 5) }])]),
      EXPORTER,
    );

    // The second instance has never seen a template, yet decodes at once.
    const payload = new TextEncoder().encode('random-looking');
    const data = ipfixMessage(3, T0, [
      dataSet(256, [record(fields, ['10.0.0.1', '10.0.0.2', 1, 2, 6, payload])]),
    ]);
    const r = await second.decodeShared(data, EXPORTER);
    assert.deepEqual(r.missing, []);
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0]!.srcAddr, '10.0.0.1');
    assert.deepEqual(r.records[0]!.initiatorPayload, payload);
    assert.equal(second.stats().templatesFromStore, 1);
    assert.equal(second.stats().rejects['template-missing'], 0);

    const stored = await store.get('ipfix', EXPORTER, 3, 256);
    assert.deepEqual(
      stored?.fields,
      fields.map((f) => ({ ...f, enterprise: f.enterprise ?? 0 })),
    );
    assert.equal((await store.list('netflow9', EXPORTER, 3)).length, 1);
    assert.deepEqual((await store.listAll()).map((t) => t.protocol).sort(), ['ipfix', 'netflow9']);
    const ttl = await redis.ttl(`${prefix}:{ipfix|${EXPORTER}|3}`);
    assert.ok(ttl > 0 && ttl <= 600);

    // A value some other writer corrupted is ignored, not thrown.
    await redis.hset(`${prefix}:{ipfix|${EXPORTER}|3}`, '999', '{not json');
    assert.equal(await store.get('ipfix', EXPORTER, 3, 999), undefined);
    assert.equal((await store.list('ipfix', EXPORTER, 3)).length, 1);

    // Withdrawal through one instance reaches the store.
    await first.decodeShared(ipfixMessage(3, T0, [ipfixWithdrawal(2)]), EXPORTER);
    assert.deepEqual(await store.list('ipfix', EXPORTER, 3), []);
    const third = new FlowExportDecoder({ templateStore: store });
    assert.equal((await third.decodeShared(data, EXPORTER)).records.length, 0);
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});
