import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisDetectionView } from '../../src/view/redis-view.js';
import { viewSuite } from './view-suite.js';

const url = process.env.REDIS_URL;
if (url === undefined || url === '')
  throw new Error('REDIS_URL must point at a Redis (see PLAN: shared servers)');
const run = `it:query-view:${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let client: Redis;
let n = 0;

before(() => {
  client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
});

after(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
});

viewSuite('redis view', (o) =>
  Promise.resolve(new RedisDetectionView({ ...o, client, keyPrefix: `${run}:${n++}:` })),
);
