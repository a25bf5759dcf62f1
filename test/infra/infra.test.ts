import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readdirSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureCached } from './cache.js';
import {
  InfraConfigError,
  parseOnly,
  parseOverrides,
  parseWithServersArgs,
  type ServerName,
} from './env.js';
import { explainJavaMismatch, parseJavaMajor } from './java.js';
import { kraftProperties, randomClusterId } from './kafka.js';
import { readLogTail, tailLines } from './log-tail.js';
import { freePort, freePorts, isListening, retryOnPortClash } from './ports.js';
import { parseRedisVersion } from './redis.js';
import { findRunnerJar } from './registry.js';
import { describeServer, externalServer, startServers } from './servers.js';
import type { ServerHandle } from './types.js';

describe('log tail', () => {
  it('keeps the last lines and drops the trailing newline', () => {
    assert.equal(tailLines('a\nb\nc\n', 2), 'b\nc');
    assert.equal(tailLines('a\r\nb\r\nc', 5), 'a\nb\nc');
    assert.equal(tailLines('', 3), '');
    assert.equal(tailLines('a\nb', 0), '');
  });

  it('reads only the end of a big file and never starts mid-line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-test-'));
    try {
      const file = join(dir, 'server.log');
      const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
      await writeFile(file, lines.join('\n') + '\n');
      const tail = await readLogTail(file, 3, 4096);
      assert.deepEqual(tail.split('\n'), lines.slice(-3));
      const wide = (await readLogTail(file, 10_000, 4096)).split('\n');
      assert.ok(wide.length < 5000);
      assert.ok(
        wide.every((l) => lines.includes(l)),
        'a line was cut in the middle',
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('reports a missing log instead of throwing', async () => {
    assert.match(await readLogTail('/nonexistent/opaqueflow.log'), /no log at/);
  });
});

describe('environment overrides', () => {
  it('treats unset and blank variables as "start our own"', () => {
    assert.deepEqual(parseOverrides({}), {});
    assert.deepEqual(parseOverrides({ KAFKA_BROKERS: ' ', REDIS_URL: '' }), {});
  });

  it('accepts broker lists and URLs', () => {
    assert.deepEqual(
      parseOverrides({
        KAFKA_BROKERS: 'kafka-0:9092, 10.0.0.2:19092,[::1]:9093',
        SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7/',
        REDIS_URL: 'redis://:secret@cache:6380/2',
      }),
      {
        kafka: 'kafka-0:9092,10.0.0.2:19092,[::1]:9093',
        registry: 'http://registry:8080/apis/ccompat/v7',
        redis: 'redis://:secret@cache:6380/2',
      },
    );
  });

  for (const [env, variable] of [
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'a:9092,,b:9092' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'a:70000' }, 'KAFKA_BROKERS'],
    [{ SCHEMA_REGISTRY_URL: 'registry:8080' }, 'SCHEMA_REGISTRY_URL'],
    [{ SCHEMA_REGISTRY_URL: 'ftp://registry' }, 'SCHEMA_REGISTRY_URL'],
    [{ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
  ] as const) {
    it(`rejects ${JSON.stringify(env)} naming ${variable}`, () => {
      assert.throws(
        () => parseOverrides(env),
        (e: unknown) => e instanceof InfraConfigError && e.message.startsWith(`${variable}:`),
      );
    });
  }

  it('parses --only lists in canonical order and rejects unknown names', () => {
    assert.deepEqual(parseOnly('redis, kafka'), ['kafka', 'redis']);
    assert.throws(() => parseOnly('kafka,zookeeper'), /unknown server zookeeper/);
    assert.throws(() => parseOnly(' , '), /at least one/);
  });

  it('splits our flags from the command at --', () => {
    assert.deepEqual(parseWithServersArgs(['--', 'node', '--test', 'x']), {
      only: ['kafka', 'registry', 'redis'],
      command: ['node', '--test', 'x'],
    });
    assert.deepEqual(parseWithServersArgs(['--only', 'redis', '--', 'true']).only, ['redis']);
    assert.deepEqual(parseWithServersArgs(['--only=kafka', '--', 'true']).only, ['kafka']);
    assert.throws(() => parseWithServersArgs(['--only', 'redis']), /no command/);
    assert.throws(() => parseWithServersArgs(['--verbose', '--', 'true']), /unknown argument/);
    assert.throws(() => parseWithServersArgs(['--only']), /needs a value/);
  });
});

describe('ports', () => {
  it('picks distinct ports that can actually be bound', async () => {
    const ports = await freePorts(5);
    assert.equal(new Set(ports).size, 5);
    for (const port of ports) {
      assert.ok(port > 0 && port < 65536);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      assert.equal(await isListening(port), true);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts again only when the port was taken meanwhile, at most `attempts` times', async () => {
    const messages = [
      'kafka exited (1); java.net.BindException: Address already in use',
      'registry exited (1); Port 41234 seems to be in use by another process.',
    ];
    let calls = 0;
    assert.equal(
      await retryOnPortClash(() => {
        const message = messages[calls++];
        return message === undefined ? Promise.resolve('up') : Promise.reject(new Error(message));
      }),
      'up',
    );
    assert.equal(calls, 3);

    calls = 0;
    await assert.rejects(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error('bind: Address already in use'));
      }, 2),
      /already in use/,
    );
    assert.equal(calls, 2);

    calls = 0;
    await assert.rejects(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error('UnsupportedClassVersionError'));
      }),
      /UnsupportedClassVersionError/,
    );
    assert.equal(calls, 1, 'other failures are not retried');
  });

  it('sees a closed port as not listening', async () => {
    assert.equal(await isListening(await freePort()), false);
  });
});

describe('version and layout parsing', () => {
  it('reads java majors from both banner styles', () => {
    assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
    assert.equal(parseJavaMajor('java version "1.8.0_392"'), 8);
    assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
    assert.equal(parseJavaMajor('command not found'), undefined);
  });

  it('turns a class file version into the Java release it needs', () => {
    const error = new Error(
      'exited (1): java.lang.UnsupportedClassVersionError: X has been compiled by a more recent version of the Java Runtime (class file version 65.0)',
    );
    assert.match((explainJavaMismatch(error) as Error).message, /needs Java 21\+/);
    const other = new Error('port in use');
    assert.equal((explainJavaMismatch(other) as Error).message, 'port in use');
  });

  it('reads the redis-server version', () => {
    assert.equal(
      parseRedisVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc'),
      '7.0.15',
    );
    assert.equal(parseRedisVersion('garbage'), undefined);
  });

  it('finds the runner jar in both Quarkus layouts', () => {
    assert.equal(findRunnerJar(['app', 'lib', 'quarkus-run.jar']), 'quarkus-run.jar');
    assert.equal(
      findRunnerJar(['lib', 'apicurio-registry-app-3.0.9-runner.jar']),
      'apicurio-registry-app-3.0.9-runner.jar',
    );
    assert.equal(findRunnerJar(['lib', 'meta']), undefined);
  });

  it('writes a combined broker+controller config on the given ports', () => {
    const props = kraftProperties({ brokerPort: 1234, controllerPort: 5678, dataDir: '/d' });
    assert.match(props, /^process\.roles=broker,controller$/m);
    assert.match(props, /^controller\.quorum\.voters=1@127\.0\.0\.1:5678$/m);
    assert.match(props, /^advertised\.listeners=PLAINTEXT:\/\/127\.0\.0\.1:1234$/m);
    assert.match(props, /^log\.dirs=\/d$/m);
  });

  it('makes cluster ids Kafka accepts (16 bytes, base64url, unpadded)', () => {
    const id = randomClusterId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    assert.notEqual(randomClusterId(), id);
    // With 2000 draws a leading '-' (1 in 64) would show up about 31 times if not prevented.
    for (let i = 0; i < 2000; i++) assert.ok(!randomClusterId().startsWith('-'));
  });
});

describe('download cache', () => {
  it('populates once, then hits; a failed population leaves nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-cache-'));
    try {
      const dir = join(root, 'thing', '1.0');
      let calls = 0;
      const populate = async (tmp: string): Promise<void> => {
        calls++;
        await writeFile(join(tmp, 'payload'), 'ok');
      };
      assert.deepEqual(await ensureCached(dir, populate), { dir, hit: false });
      assert.deepEqual(await ensureCached(dir, populate), { dir, hit: true });
      assert.equal(calls, 1);
      assert.equal(await readFile(join(dir, 'payload'), 'utf8'), 'ok');

      const broken = join(root, 'thing', '2.0');
      await assert.rejects(
        ensureCached(broken, () => Promise.reject(new Error('network down'))),
        /network down/,
      );
      assert.equal(existsSync(broken), false);
      assert.deepEqual(readdirSync(join(root, 'thing')), ['1.0']);

      // A partial download left by a run that died an hour ago is cleared; a fresh one
      // (another run downloading right now) is not.
      const stale = join(root, 'thing', '3.0.partial-dead');
      const fresh = join(root, 'thing', '3.0.partial-busy');
      mkdirSync(stale);
      mkdirSync(fresh);
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      utimesSync(stale, twoHoursAgo, twoHoursAgo);
      await ensureCached(join(root, 'thing', '3.0'), populate);
      assert.equal(existsSync(stale), false);
      assert.equal(existsSync(fresh), true);
    } finally {
      await rm(root, { recursive: true });
    }
  });
});

describe('startServers', () => {
  function fake(name: ServerName, log: string[], fail = false): () => Promise<ServerHandle> {
    return () => {
      if (fail) return Promise.reject(new Error(`${name} did not come up`));
      log.push(`start ${name}`);
      return Promise.resolve({
        ...externalServer(name, `addr-${name}`),
        external: false,
        version: '1',
        port: 1,
        stop: () => {
          log.push(`stop ${name}`);
          return Promise.resolve();
        },
      });
    };
  }

  it('uses given addresses instead of starting, and exports the env', async () => {
    const log: string[] = [];
    const running = await startServers(
      ['kafka', 'registry', 'redis'],
      { KAFKA_BROKERS: 'k:9092' },
      (name) => fake(name, log),
    );
    assert.deepEqual(log, ['start registry', 'start redis']);
    assert.deepEqual(running.env, {
      KAFKA_BROKERS: 'k:9092',
      SCHEMA_REGISTRY_URL: 'addr-registry',
      REDIS_URL: 'addr-redis',
    });
    await running.stopAll();
    assert.deepEqual(log.slice(2).sort(), ['stop redis', 'stop registry']);
  });

  it('stops what did start when another server fails', async () => {
    const log: string[] = [];
    await assert.rejects(
      startServers(['kafka', 'registry', 'redis'], {}, (name) =>
        fake(name, log, name === 'registry'),
      ),
      /registry did not come up/,
    );
    assert.deepEqual(log.sort(), ['start kafka', 'start redis', 'stop kafka', 'stop redis']);
  });

  it('describes each server with version, address and timings', () => {
    const line = describeServer({
      ...externalServer('kafka', '127.0.0.1:1234'),
      external: false,
      version: '4.4.0',
      startupMs: 6200,
      prepareMs: 9000,
      cacheHit: false,
    });
    assert.match(line, /kafka +4\.4\.0 +127\.0\.0\.1:1234 +up in 6\.2 s \(downloaded in 9\.0 s\)/);
    assert.match(describeServer(externalServer('redis', 'redis://x:1')), /from REDIS_URL/);
  });
});
