// The query service as deployed: real Kafka, schema registry and Redis. Detections produced to
// the topic appear through REST; paging holds while more arrive; auth, scopes and the rate
// limit; a second instance with a new group and key prefix rebuilds the same view from the
// topic; an exception created over REST suppresses the next matching flow in a running scorer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Detection } from '@opaqueflow/flow-model';
import {
  DETECTION,
  FLOW_FEATURES,
  RecordProducer,
  Registry,
  TopicCodec,
  createKafkaClient,
} from '@opaqueflow/kafka';
import type { KafkaAdmin, MessageProducer } from '@opaqueflow/kafka';
import { compileScorerConfig, Scorer } from '@opaqueflow/scoring';
import { itemsOf, makeFeatures } from '@opaqueflow/scoring/testing';
import { RedisExceptionStore, RedisScorerStore, connectRedis } from '@opaqueflow/scoring-redis';
import type { Redis } from 'ioredis';
import { hashApiKey } from '../src/http/auth.js';
import { RedisCoverage } from '../src/coverage-redis.js';
import { startQueryService } from '../src/service.js';
import { T0, makeDetection } from './fixtures.js';

const env = process.env;
for (const v of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'])
  if ((env[v] ?? '') === '')
    throw new Error(
      `${v} must name the shared test servers (source /work/coord/servers.env or run through with-servers)`,
    );
const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `it.query.detections.${id}`;
const dlqTopic = `it.query.dlq.${id}`;
const featuresTopic = `it.query.features.${id}`;
const prefixes = [`it:q:${id}:a:`, `it:q:${id}:b:`];
const READ = `read-${id}`;
const ADMIN = `admin-${id}`;
const kafka = createKafkaClient({
  clientId: `it-query-${id}`,
  brokers: (env.KAFKA_BROKERS ?? '').split(','),
});
const registry = new Registry({ url: env.SCHEMA_REGISTRY_URL ?? '' });
let admin: KafkaAdmin;
let producer: MessageProducer;
let records: RecordProducer<Detection>;
let redis: Redis;
const stops: (() => Promise<unknown>)[] = [];

function serviceEnv(prefix: string, group: string, rateLimit = 1000): Record<string, string> {
  return {
    KAFKA_BROKERS: env.KAFKA_BROKERS ?? '',
    SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL ?? '',
    REDIS_URL: env.REDIS_URL ?? '',
    TOPIC_DETECTIONS: topic,
    TOPIC_DLQ: dlqTopic,
    TOPIC_FEATURES: featuresTopic,
    QUERY_GROUP_ID: group,
    REDIS_KEY_PREFIX: prefix,
    QUERY_HTTP_HOST: '127.0.0.1',
    QUERY_HTTP_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    QUERY_RETENTION: '3650d',
    QUERY_RATE_LIMIT: String(rateLimit),
    QUERY_API_KEYS: `siem:read:${hashApiKey(READ)},ana:admin:${hashApiKey(ADMIN)}`,
  };
}

async function startService(prefix: string, group: string, rateLimit?: number): Promise<string> {
  const { runtime, handles } = await startQueryService({
    env: serviceEnv(prefix, group, rateLimit),
    signals: false,
    registerGlobal: false,
    exit: () => undefined,
  });
  stops.push(() => runtime.stop('test over'));
  assert.ok(handles.url);
  return handles.url;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const get = (url: string, key = READ) =>
  fetch(url, { headers: { authorization: `Bearer ${key}` } });

async function listAll(base: string, qs: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const r = await get(`${base}/v1/detections?${qs}${cursor === null ? '' : `&cursor=${cursor}`}`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { data: { id: string }[]; nextCursor: string | null };
    out.push(...body.data.map((d) => d.id));
    cursor = body.nextCursor;
  } while (cursor !== null);
  return out;
}

const batch1 = Array.from({ length: 30 }, (_, i) =>
  makeDetection({
    src: `10.20.${i >> 4}.${i & 15}`,
    dstPort: 4000 + (i % 3),
    firstSeenMs: T0 + i * 60_000,
    score: 40 + i,
  }),
);

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics([
    { name: topic, partitions: 3, replicationFactor: 1, configs: {} },
    { name: dlqTopic, partitions: 1, replicationFactor: 1, configs: {} },
    { name: featuresTopic, partitions: 2, replicationFactor: 1, configs: {} },
  ]);
  producer = kafka.producer();
  await producer.connect();
  const codec = new TopicCodec({ registry, topic, binding: DETECTION });
  await codec.register();
  records = new RecordProducer({ producer, codec });
  redis = await connectRedis(env.REDIS_URL ?? '');
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
  redis?.disconnect();
  await admin?.deleteTopics([topic, dlqTopic, featuresTopic]).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await registry.deleteSubject(`${topic}-value`).catch(() => undefined);
  await registry.deleteSubject(`${featuresTopic}-value`).catch(() => undefined);
});

const send = (ds: readonly Detection[]) => records.send(ds.map((d) => ({ key: d.id, value: d })));

let base = '';

test('detections produced to the topic appear through REST; replays and older versions change nothing', async () => {
  base = await startService(prefixes[0]!, `it-query-a-${id}`);
  await send(batch1);
  // An older version of one detection and an undecodable message: neither changes the view.
  const newer = { ...batch1[0]!, flowCount: 7, updatedMs: batch1[0]!.updatedMs + 10 };
  await send([newer]);
  await send([batch1[0]!]);
  await producer.send(topic, [{ key: 'junk', value: Buffer.from('not avro') }]);
  const ids = await eventually('30 detections through REST', async () => {
    const got = await listAll(base, 'limit=7');
    return got.length === 30 ? got : undefined;
  });
  assert.equal(new Set(ids).size, 30);
  const one = await eventually('the newest version of the updated detection', async () => {
    const r = await get(`${base}/v1/detections/${batch1[0]!.id}`);
    const body = (await r.json()) as { data: Detection };
    return body.data.flowCount === 7 ? body.data : undefined;
  });
  assert.equal(one.flowCount, 7);
  const filtered = await listAll(base, 'dstPort=4001&minScore=50&src=10.20.0.0/16');
  assert.deepEqual(
    filtered.sort(),
    batch1
      .filter((d) => d.dstPort === 4001 && d.score >= 50)
      .map((d) => d.id)
      .sort(),
  );
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  // The undecodable message went to the DLQ with its reason, and only it.
  const dlqConsumer = kafka.consumer({ groupId: `it-query-dlq-${id}`, maxWaitMs: 200 });
  await dlqConsumer.connect();
  const letters: { key: string; stage: string; code: string }[] = [];
  await dlqConsumer.run({
    topics: [dlqTopic],
    fromBeginning: true,
    eachBatch: (batch) => {
      for (const m of batch.messages)
        letters.push({
          key: m.key?.toString() ?? '',
          stage: String(m.headers['opaqueflow.dlq.stage']),
          code: String(m.headers['opaqueflow.dlq.code']),
        });
      return Promise.resolve();
    },
  });
  await eventually('the dead letter', () => Promise.resolve(letters.length > 0 ? true : undefined));
  await dlqConsumer.disconnect();
  assert.deepEqual(
    letters.map((l) => [l.key, l.stage]),
    [['junk', 'query']],
  );
  assert.ok(letters[0]!.code.length > 0);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /opaqueflow_query_http_requests_total\{[^}]*route="\/v1\/detections\/:id"/);
  assert.match(metrics, /opaqueflow_query_records_consumed_total/);
});

test('paging through REST while detections keep arriving: no duplicates, no gaps', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let page = 0;
  const arriving = Array.from({ length: 12 }, (_, i) =>
    makeDetection({ src: `10.21.0.${i}`, firstSeenMs: T0 + (i * 5 + 2) * 60_000, score: 60 }),
  );
  do {
    const r = await get(
      `${base}/v1/detections?limit=4&sort=time&order=asc${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    const body = (await r.json()) as { data: { id: string }[]; nextCursor: string | null };
    seen.push(...body.data.map((d) => d.id));
    cursor = body.nextCursor;
    const chunk = arriving.slice(page * 2, page * 2 + 2);
    if (chunk.length > 0) {
      await send(chunk);
      await eventually('arrivals applied', async () => {
        const r2 = await get(`${base}/v1/detections/${chunk[chunk.length - 1]!.id}`);
        return r2.status === 200 ? true : undefined;
      });
    }
    page += 1;
  } while (cursor !== null);
  assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  for (const d of batch1) assert.ok(seen.includes(d.id), `missing ${d.id}`);
});

test('auth, scopes and the per-key rate limit on the running service', async () => {
  assert.equal((await fetch(`${base}/v1/detections`)).status, 401);
  assert.equal((await get(`${base}/v1/detections`, 'wrong')).status, 401);
  const forbidden = await fetch(`${base}/v1/exceptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'x', scope: { ports: [1] } }),
  });
  assert.equal(forbidden.status, 403);
  const limited = await startService(prefixes[0]!, `it-query-rl-${id}`, 3);
  const codes: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await get(`${limited}/v1/exceptions`, ADMIN);
    codes.push(r.status);
    if (r.status === 429) retryAfter = r.headers.get('retry-after');
    await r.arrayBuffer();
  }
  assert.deepEqual(codes.slice(0, 3), [200, 200, 200]);
  assert.equal(codes[3], 429);
  assert.ok(Number(retryAfter) > 0);
});

test('a new group and key prefix rebuild the same view from the topic', async () => {
  const rebuilt = await startService(prefixes[1]!, `it-query-b-${id}`);
  const original = await listAll(base, 'limit=50');
  const again = await eventually('the rebuilt view to catch up', async () => {
    const got = await listAll(rebuilt, 'limit=50');
    return got.length === original.length ? got : undefined;
  });
  assert.deepEqual(again, original);
  const r = await get(`${rebuilt}/v1/detections/${batch1[0]!.id}`);
  assert.equal(((await r.json()) as { data: Detection }).data.flowCount, 7);
});

test('an exception created over REST suppresses the next matching flow in a running scorer', async () => {
  const prefix = prefixes[0]!;
  const subscriber = await connectRedis(env.REDIS_URL ?? '');
  const exceptions = new RedisExceptionStore({ client: redis, keyPrefix: prefix, subscriber });
  const scorer = new Scorer({
    config: compileScorerConfig({ minScore: 0 }),
    store: new RedisScorerStore({ client: redis, keyPrefix: prefix }),
    exceptions,
  });
  try {
    const flow = (n: number) =>
      makeFeatures({
        kind: 'opaque',
        src: '10.30.0.1',
        dst: '203.0.113.9',
        dstPort: 8443,
        srcPort: 50_000 + n,
        startMs: Date.now() - 10_000 + n,
      });
    const before = await scorer.processBatch(itemsOf([flow(0)], 0, 0));
    assert.equal(before.detections[0]?.status, 'open');
    const created = await fetch(`${base}/v1/exceptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        reason: 'vendor tunnel',
        scope: { srcCidrs: ['10.30.0.0/24'], ports: [8443] },
      }),
    });
    assert.equal(created.status, 201);
    const exc = ((await created.json()) as { data: { id: string } }).data;
    const suppressed = await eventually(
      'the scorer to apply the exception',
      async () => {
        const r = await scorer.processBatch(itemsOf([flow(Date.now() % 100_000)], 0, Date.now()));
        const d = r.detections[0];
        return d?.status === 'suppressed' ? d : undefined;
      },
      10_000,
    );
    assert.equal(suppressed.exceptionId, exc.id);
  } finally {
    scorer.close();
    subscriber.disconnect();
  }
});

test('coverage: features on the topic are counted per exporter, exactly once per offset', async () => {
  const codec = new TopicCodec({ registry, topic: featuresTopic, binding: FLOW_FEATURES });
  await codec.register();
  const features = new RecordProducer({ producer, codec });
  const flows = [
    ...Array.from({ length: 4 }, (_, i) =>
      makeFeatures({ kind: 'tls', dstPort: 443, srcPort: 41_000 + i, startMs: T0 + i }),
    ),
    ...Array.from({ length: 2 }, (_, i) =>
      makeFeatures({ kind: 'opaque', dstPort: 4444, srcPort: 42_000 + i, startMs: T0 + i }),
    ),
  ];
  await features.send(flows.map((f) => ({ key: f.flow.flowId, value: f })));
  const row = await eventually('coverage counts', async () => {
    const r = await get(`${base}/v1/coverage`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      data: {
        exporter: string;
        flows: number;
        handshakeRecognisedShare: number;
        payloadEvidenceShare: number;
      }[];
    };
    const first = body.data[0];
    return first !== undefined && first.flows === 6 ? first : undefined;
  });
  assert.equal(row.payloadEvidenceShare, 1);
  assert.equal(row.handshakeRecognisedShare, Math.round((4 / 6) * 10_000) / 10_000);
  // A redelivered batch counts nothing twice.
  const cov = new RedisCoverage(redis, `it:q:${id}:cov:`);
  prefixes.push(`it:q:${id}:cov:`);
  const recs = flows.map((f, i) => ({ features: f, offset: String(i) }));
  await cov.apply('t', 0, recs.slice(0, 4));
  await cov.apply('t', 0, recs);
  await cov.apply('t', 0, recs.slice(2));
  const [counted] = await cov.exporters();
  assert.equal(counted?.flows, 6);
  assert.equal(counted?.handshakeRecognised, 4);
});
