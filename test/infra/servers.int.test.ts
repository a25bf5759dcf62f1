// Proves each server really answers: whichever ones with-servers.ts started (or the
// environment points at), or, run on its own, ones this file starts itself.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { startRedis, type RedisHandle } from './redis.js';
import { startServers, type RunningServers } from './servers.js';

let servers: RunningServers;

before(async () => {
  servers = await startServers(['kafka', 'registry', 'redis']);
});

after(async () => {
  await servers.stopAll();
});

function address(variable: string): string {
  const value = servers.env[variable];
  assert.ok(value, `${variable} is set`);
  return value;
}

describe('kafka', () => {
  it('creates a topic, produces, and consumes in a group with committed offsets', async () => {
    const kafka = new Kafka({
      clientId: 'infra-int-test',
      brokers: address('KAFKA_BROKERS').split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = `infra-${randomUUID()}`;
    const groupId = `infra-group-${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId });
    await admin.connect();
    try {
      assert.ok(Array.isArray(await admin.listTopics()));
      assert.equal(
        await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }),
        true,
      );
      assert.ok((await admin.listTopics()).includes(topic));

      await producer.connect();
      const sent = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      await producer.send({ topic, messages: sent });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no messages within 60 s')), 60_000);
        consumer
          .run({
            eachMessage: ({ message }) => {
              received.push(`${String(message.key)}=${String(message.value)}`);
              if (received.length === sent.length) {
                clearTimeout(timer);
                resolve();
              }
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
      assert.deepEqual(received.sort(), sent.map((m) => `${m.key}=${m.value}`).sort());

      // Leaving the group commits what was consumed; the committed offsets must add up.
      await consumer.disconnect();
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = (offsets?.partitions ?? []).reduce(
        (sum, p) => sum + Math.max(0, Number(p.offset)),
        0,
      );
      assert.equal(committed, sent.length);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

describe('schema registry (Confluent-compatible API)', () => {
  it('lists subjects, registers an Avro schema and serves it back by id', async () => {
    const base = address('SCHEMA_REGISTRY_URL');
    const list = await fetch(`${base}/subjects`);
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(await list.json()));

    const subject = `infra-${randomUUID()}-value`;
    const schema = {
      type: 'record',
      name: 'Probe',
      namespace: 'io.opaqueflow.test',
      fields: [{ name: 'id', type: 'string' }],
    };
    const registered = await fetch(`${base}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    assert.equal(registered.status, 200, await registered.clone().text());
    const { id } = (await registered.json()) as { id: number };
    assert.equal(typeof id, 'number');

    const byId = await fetch(`${base}/schemas/ids/${id}`);
    assert.equal(byId.status, 200);
    const served = (await byId.json()) as { schema: string };
    assert.deepEqual(JSON.parse(served.schema), schema);
    assert.ok(((await (await fetch(`${base}/subjects`)).json()) as string[]).includes(subject));
  });
});

describe('redis', () => {
  it('answers PING and reports its version', async () => {
    const redis = new Redis(address('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
      const info = await redis.info('server');
      assert.match(info, /redis_version:\d+\.\d+\.\d+/);
    } finally {
      redis.disconnect();
    }
  });

  it('can be stopped and restarted on the same port (a private instance)', async () => {
    let own: RedisHandle | undefined;
    try {
      own = await startRedis();
      assert.notEqual(own.port, 6379);
      const client = new Redis(own.address, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      await client.set('probe', '1');
      client.disconnect();

      await own.kill();
      assert.equal(own.isRunning(), false);
      const refused = new Redis(own.address, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      // The refusal is what this checks; ioredis would also report it as an unhandled event.
      refused.on('error', () => undefined);
      await assert.rejects(refused.connect());
      refused.disconnect();

      await own.restart();
      assert.equal(own.isRunning(), true);
      const again = new Redis(own.address, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await again.connect();
      assert.equal(await again.ping(), 'PONG');
      // --save "" and no AOF: a restart starts empty.
      assert.equal(await again.get('probe'), null);
      again.disconnect();
    } finally {
      await own?.stop();
    }
  });
});
