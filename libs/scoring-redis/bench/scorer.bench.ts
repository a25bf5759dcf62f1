// Scorer throughput through the memory and Redis stores, Redis round trips per 1,000 flows,
// and Redis memory per 10,000 active ports. Needs REDIS_URL (`pnpm bench:scorer` starts a
// private Redis; by hand: REDIS_URL=redis://127.0.0.1:6379/15).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { FlowFeatures } from '@opaqueflow/flow-model';
import {
  compileScorerConfig,
  MemoryScorerStore,
  Scorer,
  type BatchItem,
  type ScorerStore,
} from '@opaqueflow/scoring';
import { makeFeatures } from '@opaqueflow/scoring/testing';
import { connectRedis, RedisScorerStore } from '@opaqueflow/scoring-redis';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const PORTS_FOR_MEMORY = 10_000;
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const config = compileScorerConfig();

/** A day-to-day mix: mostly TLS and QUIC on 443, some SSH, a tail of opaque flows on odd ports. */
function workload(count: number): BatchItem[] {
  const items: BatchItem[] = [];
  for (let i = 0; i < count; i++) {
    const r = (i * 2654435761) % 100;
    const kind = r < 60 ? 'tls' : r < 75 ? 'quic' : r < 85 ? 'ssh' : 'opaque';
    const f: FlowFeatures = makeFeatures({
      kind,
      src: `10.${(i >> 16) & 255}.${(i >> 8) % 4}.${i % 250}`,
      dst: `198.51.${(i * 7) % 64}.${(i * 13) % 250}`,
      dstPort: kind === 'opaque' ? 1024 + ((i * 31) % 300) : undefined,
      startMs: T0 + Math.floor((i / count) * 30 * 60_000),
      srcPort: 1024 + (i % 60_000),
    });
    items.push({
      features: f,
      source: { topic: 'opaqueflow.features.v1', partition: i % 4, offset: String(i >> 2) },
    });
  }
  return items;
}

async function run(store: ScorerStore, items: readonly BatchItem[]): Promise<number> {
  const scorer = new Scorer({ config, store });
  const started = performance.now();
  for (let i = 0; i < items.length; i += BATCH)
    await scorer.processBatch(items.slice(i, i + BATCH));
  return performance.now() - started;
}

async function commandCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (url === undefined || url === '') {
    console.error('bench:scorer needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/15)');
    process.exit(2);
  }
  const client = await connectRedis(url, { name: 'bench-scorer', commandTimeoutMs: 30_000 });
  const prefix = `ofbench:${randomBytes(4).toString('hex')}:`;
  try {
    const items = workload(FLOWS);
    // Warm up JIT and script cache on a small slice, then measure fresh state.
    await run(new MemoryScorerStore(), items.slice(0, 2_000));
    const memoryMs = await run(new MemoryScorerStore(), items);

    const redisStore = new RedisScorerStore({ client, keyPrefix: `${prefix}w:` });
    await redisStore.loadScripts();
    await run(redisStore, items.slice(0, 2_000));
    const store = new RedisScorerStore({ client, keyPrefix: prefix });
    const callsBefore = await commandCalls(client);
    const redisMs = await run(store, items);
    // INFO itself is a command; leave out the one we issue.
    const commands = (await commandCalls(client)) - callsBefore - 1;

    // Memory: 10,000 ports, each with three flows in distinct minutes (three buckets per tier).
    const portItems: BatchItem[] = [];
    for (let p = 0; p < PORTS_FOR_MEMORY; p++) {
      for (let k = 0; k < 3; k++) {
        portItems.push({
          features: makeFeatures({
            kind: 'tls',
            dstPort: 1 + (p % 65_535),
            transport: p < 65_535 ? 'tcp' : 'udp',
            src: `10.0.${k}.${p % 250}`,
            startMs: T0 + k * 60_000,
            srcPort: 2000 + k,
          }),
          source: { topic: 'mem', partition: 0, offset: String(p * 3 + k) },
        });
      }
    }
    const memPrefix = `${prefix}m:`;
    const before = await usedMemory(client);
    await run(new RedisScorerStore({ client, keyPrefix: memPrefix }), portItems);
    const after = await usedMemory(client);
    const memoryPer10k = ((after - before) / PORTS_FOR_MEMORY) * 10_000;

    const results = {
      flows: FLOWS,
      batch_size: BATCH,
      memory_store_flows_per_s: Math.round(FLOWS / (memoryMs / 1000)),
      redis_store_flows_per_s: Math.round(FLOWS / (redisMs / 1000)),
      redis_round_trips_per_1000_flows: Math.round((store.roundTrips / FLOWS) * 1000 * 100) / 100,
      redis_commands_per_1000_flows: Math.round((commands / FLOWS) * 1000),
      redis_memory_bytes_per_10000_active_ports: Math.round(memoryPer10k),
      redis_memory_mib_per_10000_active_ports: Math.round((memoryPer10k / 1048576) * 100) / 100,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
    };
    console.table(Object.entries(results).map(([figure, value]) => ({ figure, value })));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/scorer.json', JSON.stringify(results, null, 2) + '\n');
    console.log('wrote bench-results/scorer.json');
  } finally {
    await dropPrefix(client, prefix);
    client.disconnect();
  }
}

await main();
