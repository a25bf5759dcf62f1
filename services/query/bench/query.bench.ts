// pnpm bench:query — query latency and throughput over a Redis view of many detections.
// Loads QUERY_BENCH_DETECTIONS (default 100,000) detections into a Redis view under a
// unique prefix, serves the API on loopback and drives it with autocannon at rising rates
// (each QUERY_BENCH_SECONDS, default 5), then unthrottled. Prints p50/p99 per rate and the
// highest rate held with p99 under 50 ms; writes bench-results/query.json. Removes its keys.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { detectionIdOf, type Detection } from '@opaqueflow/flow-model';
import { MemoryExceptionAdmin } from '../src/exceptions.js';
import { buildApp } from '../src/http/app.js';
import { ApiKeys, hashApiKey } from '../src/http/auth.js';
import { RedisDetectionView } from '../src/view/redis-view.js';

const N = Number(process.env.QUERY_BENCH_DETECTIONS ?? 100_000);
const SECONDS = Number(process.env.QUERY_BENCH_SECONDS ?? 5);
const RATES = [25, 50, 100, 200, 400, 800];
const KEY = 'bench-key';
const url = process.env.REDIS_URL;
if (url === undefined || url === '')
  throw new Error('REDIS_URL is needed (pnpm bench:query starts one)');
const prefix = `bench:query:${Date.now().toString(36)}:`;
const T0 = Date.UTC(2026, 10, 1);

function detection(i: number): Detection {
  const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const dstPort = [4444, 8388, 31337, 443, 53, 9001][i % 6]!;
  const firstSeenMs = T0 + i * 1_000;
  const windowStartMs = firstSeenMs - (firstSeenMs % 3_600_000);
  const score = (i * 37) % 101;
  return {
    id: detectionIdOf(src, '198.51.100.7', dstPort, 'tcp', windowStartMs),
    firstSeenMs,
    lastSeenMs: firstSeenMs + 5_000,
    windowStartMs,
    flowCount: 1 + (i % 9),
    bytes: 4_000 + i,
    score,
    severity:
      score >= 80
        ? 'critical'
        : score >= 65
          ? 'high'
          : score >= 45
            ? 'medium'
            : score >= 25
              ? 'low'
              : 'info',
    verdict: 'opaque',
    srcAddr: src,
    dstAddr: '198.51.100.7',
    dstPort,
    transport: 'tcp',
    reasons: [
      { code: 'randomness', points: 30, value: 7.9, detail: 'initiator payload looks random' },
    ],
    baseline: {
      port: dstPort,
      transport: 'tcp',
      flows: 100,
      opaqueFlows: 3,
      distinctSources: 20,
      distinctDestinations: 5,
      meanEntropy: 5.2,
      learning: false,
      windowMs: 604_800_000,
    },
    hostScore: 30,
    attack: { analytic: 'AN0404', techniques: ['T1573', 'T1571'] },
    exceptionId: null,
    status: 'open',
    sampleFlowIds: ['f1'],
    updatedMs: firstSeenMs + 6_000,
  };
}

async function cleanup(client: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const client = new Redis(url!);
  try {
    const view = new RedisDetectionView({
      client,
      keyPrefix: prefix,
      retentionMs: 10 * 365 * 86_400_000,
    });
    const loadStart = performance.now();
    for (let i = 0; i < N; i += 1_000)
      await view.upsert(Array.from({ length: Math.min(1_000, N - i) }, (_, j) => detection(i + j)));
    const loadS = (performance.now() - loadStart) / 1000;
    const app = await buildApp({
      view,
      exceptions: new MemoryExceptionAdmin(),
      apiKeys: new ApiKeys([{ name: 'bench', sha256: hashApiKey(KEY), scopes: ['read'] }]),
      rateLimit: { max: 1e9, windowMs: 60_000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const headers = { authorization: `Bearer ${KEY}` };
    // A SIEM's mix: newest page, a port, a CIDR with a score floor, by score, a time window.
    const paths = [
      '/v1/detections?limit=100',
      '/v1/detections?dstPort=8388&limit=100',
      '/v1/detections?src=10.0.0.0/16&minScore=50&limit=100',
      '/v1/detections?sort=score&limit=100',
      `/v1/detections?from=${new Date(T0 + (N / 2) * 1000).toISOString()}&to=${new Date(T0 + (N / 2 + 3600) * 1000).toISOString()}&limit=100`,
    ];
    // Each query shape alone, unthrottled: where the time goes.
    const shapes: Record<string, number> = {};
    for (const [i, path] of paths.entries()) {
      const r = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: 4,
        duration: Math.max(1, Math.round(SECONDS / 2)),
        requests: [{ method: 'GET' as const, path, headers }],
      });
      shapes[`shape_${i}_p50_ms`] = r.latency.p50;
      shapes[`shape_${i}_rps`] = Math.round(r.requests.average);
      console.log(
        `${path}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s`,
      );
    }
    const run = (overallRate?: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: 10,
        duration: SECONDS,
        ...(overallRate === undefined ? {} : { overallRate }),
        requests: paths.map((path) => ({ method: 'GET' as const, path, headers })),
      });
    const results: Record<string, number | string> = {
      detections: N,
      load_detections_per_s: Math.round(N / loadS),
      seconds_per_rate: SECONDS,
      ...shapes,
    };
    let held = 0;
    const rows: { rate: string; p50_ms: number; p99_ms: number; rps: number; errors: number }[] =
      [];
    for (const rate of RATES) {
      const r = await run(rate);
      rows.push({
        rate: String(rate),
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        rps: Math.round(r.requests.average),
        errors: r.errors + r.non2xx,
      });
      results[`rate_${rate}_p50_ms`] = r.latency.p50;
      results[`rate_${rate}_p99_ms`] = r.latency.p99;
      results[`rate_${rate}_rps`] = Math.round(r.requests.average);
      if (r.latency.p99 < 50 && r.errors + r.non2xx === 0) held = rate;
      else break;
    }
    const max = await run();
    rows.push({
      rate: 'max',
      p50_ms: max.latency.p50,
      p99_ms: max.latency.p99,
      rps: Math.round(max.requests.average),
      errors: max.errors + max.non2xx,
    });
    results.max_rps = Math.round(max.requests.average);
    results.max_p50_ms = max.latency.p50;
    results.max_p99_ms = max.latency.p99;
    results.highest_rate_p99_under_50ms = held;
    results.cpuModel = cpus()[0]?.model ?? 'unknown';
    results.cores = cpus().length;
    await app.close();
    console.table(rows);
    console.table(Object.entries(results).map(([figure, value]) => ({ figure, value })));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/query.json', JSON.stringify(results, null, 2) + '\n');
    console.log('wrote bench-results/query.json');
  } finally {
    await cleanup(client);
    client.disconnect();
  }
}

await main();
