// Run by scripts/test-images.sh (pnpm test:images) after it built the four images: starts them
// as containers as a cluster would (uid 10001, read-only root, every capability dropped, no
// privilege escalation) against the servers in KAFKA_BROKERS / SCHEMA_REGISTRY_URL /
// REDIS_URL, feeds ingest a capture file, and follows its flows to the query API. Prints
// its figures; asserts no timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ROOT } from '../deploy/render.js';
import { promqlUsage, registeredMetrics } from '../deploy/metrics.js';

const PODMAN = ['--runtime', '/usr/sbin/runc', '--cgroup-manager=cgroupfs'];
const LIMITS = ['--network', 'host', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const HARDENED = [
  '--read-only',
  '--tmpfs',
  '/tmp:size=64m',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--user',
  '10001:10001',
];
const SERVICES = ['ingest', 'features', 'scorer', 'query'] as const;
const CAPTURE = 'services/cli/samples/sample.pcap';

function podman(...args: string[]): string {
  return execFileSync('podman', [...PODMAN, ...args], { encoding: 'utf8' }).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through pnpm test:images`);
  return v;
};

test('the four images run hardened and carry a capture from ingest to the query API', async (t) => {
  const run = `img${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const key = randomBytes(18).toString('hex');
  const ops = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const)),
  ) as Record<(typeof SERVICES)[number], number>;
  const http = await freePort();
  const shared = {
    KAFKA_BROKERS: env('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: env('SCHEMA_REGISTRY_URL'),
    TOPIC_FLOWS: `${run}.flows`,
    TOPIC_FEATURES: `${run}.features`,
    TOPIC_DETECTIONS: `${run}.detections`,
    TOPIC_DLQ: `${run}.dlq`,
    LOG_LEVEL: 'info',
    METRICS_HOST: '127.0.0.1',
  };
  const stage = { TOPIC_PARTITIONS: '2', CONSUMER_MAX_WAIT: '100ms' };
  const own: Record<(typeof SERVICES)[number], Record<string, string>> = {
    ingest: {
      ...stage,
      CONSUMER_GROUP: `${run}-ingest`,
      LISTENERS: 'none',
      INGEST_FILES: '/data/capture.pcap',
    },
    features: { ...stage, CONSUMER_GROUP: `${run}-features` },
    scorer: {
      ...stage,
      CONSUMER_GROUP: `${run}-scorer`,
      REDIS_URL: env('REDIS_URL'),
      REDIS_KEY_PREFIX: `${run}:`,
      SCORER_CLOCK: 'event',
    },
    query: {
      REDIS_URL: env('REDIS_URL'),
      REDIS_KEY_PREFIX: `${run}:`,
      QUERY_GROUP_ID: `${run}-query`,
      // The capture is years old: keep its detections in the view.
      QUERY_RETENTION: '20000d',
      QUERY_HTTP_HOST: '127.0.0.1',
      QUERY_HTTP_PORT: String(http),
      QUERY_API_KEYS: `images:read:${createHash('sha256').update(key).digest('hex')}`,
    },
  };
  const started = Date.now();
  const names: string[] = [];
  t.after(() => {
    for (const n of names) spawnSync('podman', [...PODMAN, 'rm', '-f', n], { stdio: 'ignore' });
  });
  // Consumers first, so nothing waits on a group join while ingest publishes.
  for (const s of ['features', 'scorer', 'query', 'ingest'] as const) {
    const name = `opaqueflow-${run}-${s}`;
    const vars = { ...shared, ...own[s], SERVICE_NAME: s, METRICS_PORT: String(ops[s]) };
    const mounts = s === 'ingest' ? ['-v', `${ROOT}${CAPTURE}:/data/capture.pcap:ro`] : [];
    podman(
      'run',
      '-d',
      '--name',
      name,
      ...LIMITS,
      ...HARDENED,
      ...mounts,
      ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      `localhost/opaqueflow/${s}:test`,
    );
    names.push(name);
    await until(`${s} ready`, 90, async () => {
      const r = await fetch(`http://127.0.0.1:${ops[s]}/readyz`);
      return r.ok ? true : undefined;
    });
    console.log(
      `${s}: ready ${((Date.now() - started) / 1000).toFixed(1)} s after the first start`,
    );
  }

  await t.test('each image carries its OCI labels and runs compiled JavaScript', () => {
    for (const s of SERVICES) {
      const image = `localhost/opaqueflow/${s}:test`;
      const labels = JSON.parse(
        podman('image', 'inspect', image, '--format', '{{json .Labels}}'),
      ) as Record<string, string>;
      assert.equal(labels['org.opencontainers.image.title'], `opaqueflow-${s}`);
      assert.match(labels['org.opencontainers.image.revision'] ?? '', /^([0-9a-f]{40}|unknown)$/);
      const entry = podman('image', 'inspect', image, '--format', '{{json .Config.Entrypoint}}');
      assert.equal(entry, '["node","--enable-source-maps","dist/main.js"]');
      // The service and the workspace libraries it was pruned to: compiled JavaScript only.
      const ts = podman(
        'run',
        '--rm',
        ...LIMITS,
        '--entrypoint',
        'sh',
        image,
        '-c',
        'find /app/dist /app/node_modules/.pnpm/@opaqueflow+*/node_modules/@opaqueflow/ -name "*.ts" -o -name tsconfig.json',
      );
      assert.equal(ts, '', `${s}: TypeScript in the image`);
      const js = podman(
        'run',
        '--rm',
        ...LIMITS,
        '--entrypoint',
        'sh',
        image,
        '-c',
        'ls /app/node_modules/.pnpm/@opaqueflow+kafka*/node_modules/@opaqueflow/kafka/dist/index.js',
      );
      assert.match(js, /index\.js$/);
    }
  });

  await t.test("each image's HEALTHCHECK passes against the running service", () => {
    for (const name of names) {
      const check = spawnSync('podman', [...PODMAN, 'healthcheck', 'run', name], {
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, `${name}: ${check.stdout}${check.stderr}`);
    }
  });

  await t.test('every container runs as uid 10001 on a read-only root without capabilities', () => {
    for (const name of names) {
      assert.equal(podman('exec', name, 'id', '-u'), '10001', name);
      const info = JSON.parse(podman('inspect', name)) as {
        HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] };
        Config: { User: string };
      }[];
      assert.equal(info[0]?.HostConfig.ReadonlyRootfs, true, name);
      assert.equal(info[0]?.Config.User, '10001:10001', name);
      const write = spawnSync('podman', [...PODMAN, 'exec', name, 'touch', '/app/x'], {
        encoding: 'utf8',
      });
      assert.notEqual(write.status, 0, `${name}: the root filesystem is writable`);
      const caps = podman('exec', name, 'grep', 'CapEff', '/proc/self/status');
      assert.match(caps, /CapEff:\s+0+$/, name);
    }
  });

  const detections = await until('detections in the query API', 180, async () => {
    const r = await fetch(`http://127.0.0.1:${http}/v1/detections?limit=100`, {
      headers: { 'x-api-key': key },
    });
    if (!r.ok) return undefined;
    const body = (await r.json()) as { data: { id: string; dstPort: number; score: number }[] };
    return body.data.length > 0 ? body.data : undefined;
  });
  console.log(
    `query: ${detections.length} detections ${((Date.now() - started) / 1000).toFixed(1)} s after the first start`,
  );

  await t.test("a capture's flows went through every stage", async () => {
    const scrape = async (s: (typeof SERVICES)[number]) =>
      (await fetch(`http://127.0.0.1:${ops[s]}/metrics`)).text();
    const value = (text: string, series: string) =>
      [...text.matchAll(new RegExp(`^${series}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
        (sum, m) => sum + Number(m[2]),
        0,
      );
    const texts = Object.fromEntries(
      await Promise.all(SERVICES.map(async (s) => [s, await scrape(s)] as const)),
    ) as Record<(typeof SERVICES)[number], string>;
    const produced = value(texts.ingest, 'opaqueflow_ingest_records_produced_total');
    const consumed = value(texts.features, 'opaqueflow_features_records_consumed_total');
    const scored = value(texts.scorer, 'opaqueflow_scorer_records_consumed_total');
    console.log(
      `flows: ingest produced ${produced}, features consumed ${consumed}, scorer consumed ${scored}`,
    );
    assert.ok(produced > 0 && consumed > 0 && scored > 0);
    assert.ok(detections.length > 0);

    // The scrape and the registrations test/deploy reads from the sources agree.
    // The sources the images were built from (IMAGE_CONTEXT), not necessarily this checkout.
    const registered = registeredMetrics(process.env.IMAGE_CONTEXT ?? ROOT).metrics;
    const scraped = new Set(
      SERVICES.flatMap((s) =>
        [...texts[s].matchAll(/^(opaqueflow_\w+?)(\{| )/gm)].map((m) => m[1]!),
      ),
    );
    for (const name of scraped)
      assert.ok(registered.has(name), `${name} is scraped but not found in the sources`);
    // The happy-path series of the dashboard are in the scrape, not only in the sources.
    const dashboard = JSON.parse(
      readFileSync(`${ROOT}deploy/observability/grafana-dashboard.json`, 'utf8'),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const used = new Set(
      dashboard.panels.flatMap((p) =>
        (p.targets ?? []).flatMap((x) => promqlUsage(x.expr).selectors.map((s) => s.name)),
      ),
    );
    const happy = [
      'opaqueflow_ingest_records_produced_total',
      'opaqueflow_features_records_consumed_total',
      'opaqueflow_features_records_produced_total',
      'opaqueflow_scorer_records_consumed_total',
      'opaqueflow_scorer_records_produced_total',
      'opaqueflow_features_batch_duration_seconds_bucket',
      'opaqueflow_scorer_batch_duration_seconds_bucket',
      'opaqueflow_features_consumer_lag_records',
      'opaqueflow_scorer_consumer_lag_records',
    ];
    for (const name of happy) {
      assert.ok(used.has(name), `the dashboard uses ${name}`);
      assert.ok(scraped.has(name), `${name} is in the scrape`);
    }
    console.log(`metrics: ${scraped.size} opaqueflow series names scraped, all registered`);
  });

  await t.test('SIGTERM stops every service cleanly', () => {
    for (const name of [...names].reverse()) {
      const t0 = Date.now();
      podman('stop', '-t', '40', name);
      const code = podman('inspect', name, '--format', '{{.State.ExitCode}}');
      console.log(`${name.replace(/^.*-/, '')}: stopped in ${Date.now() - t0} ms, exit ${code}`);
      assert.equal(code, '0', name);
    }
  });
});
