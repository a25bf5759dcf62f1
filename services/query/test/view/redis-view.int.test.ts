import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisDetectionView } from '../../src/view/redis-view.js';
import { viewSuite } from './view-suite.js';
import { parseCidrOrAddress } from '../../src/view/filter.js';
import type { CursorPosition } from '../../src/view/types.js';
import { T0, makeDetection } from '../fixtures.js';

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

test('redis view: a scan budget spent returns a short page with a cursor that goes on to every match', async () => {
  const view = new RedisDetectionView({
    client,
    keyPrefix: `${run}:${n++}:`,
    retentionMs: 1e12,
    scanBudget: 10,
    clock: () => T0,
  });
  const ds = Array.from({ length: 50 }, (_, i) =>
    makeDetection({ src: i < 3 ? `172.16.0.${i}` : `10.5.0.${i}`, firstSeenMs: T0 + i * 1000 }),
  );
  await view.upsert(ds);
  const src = parseCidrOrAddress('172.16.0.0/12')!;
  const seen: string[] = [];
  let after: CursorPosition | null = null;
  let pages = 0;
  do {
    const page = await view.query({
      filter: { src },
      sort: 'time',
      order: 'desc',
      limit: 5,
      after,
    });
    seen.push(...page.items.map((i) => i.detection.id));
    after = page.next;
    pages += 1;
  } while (after !== null && pages < 100);
  assert.deepEqual(seen, [ds[2]!.id, ds[1]!.id, ds[0]!.id]);
  assert.ok(pages > 1, 'the budget cut the scan into several pages');
});
