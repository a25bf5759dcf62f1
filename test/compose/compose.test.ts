import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DEFAULT_TOPICS, commonRules, commonSpec, defineConfig } from '@opaqueflow/config';

// docker compose cannot run here, so the file is parsed and cross-checked instead.
const path = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: Healthcheck;
  ports?: string[];
  restart?: string;
  secrets?: (string | { source: string })[];
  entrypoint?: string | string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
}

const compose = parse(readFileSync(path, 'utf8'), { merge: true }) as Compose;
const services = compose.services;
const names = Object.keys(services);
const APP_SERVICES = ['ingest', 'features', 'scorer', 'query'];

function env(s: Service): Record<string, string> {
  if (Array.isArray(s.environment))
    return Object.fromEntries(
      s.environment.map((kv) => [kv.split('=')[0] ?? '', kv.split('=').slice(1).join('=')]),
    );
  return Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

function dependsOn(s: Service): Record<string, string> {
  if (Array.isArray(s.depends_on))
    return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition ?? 'service_started']),
  );
}

/** A one-shot job (topic creation): it runs to completion and is not health-checked. */
const isOneShot = (s: Service) => s.restart === 'no';

/** Ports a container listens on inside the compose network, by service. */
function containerPorts(name: string): Set<number> {
  const s = services[name];
  const out = new Set<number>();
  for (const p of s?.ports ?? []) {
    const m = /:(\d+)(\/\w+)?$/.exec(p);
    if (m?.[1]) out.add(Number(m[1]));
  }
  const listeners = s ? env(s).KAFKA_LISTENERS : undefined;
  for (const l of listeners?.split(',') ?? []) {
    const m = /:(\d+)$/.exec(l);
    if (m?.[1]) out.add(Number(m[1]));
  }
  return out;
}

test('the stack has Kafka, the registry, Redis and the four services', () => {
  for (const n of ['kafka', 'registry', 'redis', ...APP_SERVICES])
    assert.ok(names.includes(n), `service ${n}`);
});

test('every image is pinned to an exact version', () => {
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image, `${name} has an image name`);
    const image = s.image ?? '';
    const pinned =
      /@sha256:[0-9a-f]{64}$/.test(image) || /:\d+\.\d+\.\d+([-.][\w.-]+)?$/.test(image);
    assert.ok(pinned, `${name}: image ${image} is not pinned to x.y.z (or a digest)`);
    assert.ok(!image.endsWith(':latest'), `${name}: latest is not a version`);
  }
});

test('the services are built from deploy/docker/Dockerfile with their name as build arg', () => {
  for (const name of APP_SERVICES) {
    const b = services[name]?.build;
    assert.equal(b?.dockerfile, 'deploy/docker/Dockerfile', name);
    assert.equal(b?.context, '.', name);
    assert.equal(b?.args?.SERVICE, name);
    assert.equal(env(services[name] ?? {}).SERVICE_NAME, name);
  }
});

test('depends_on names existing services, with conditions they can meet', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, condition] of Object.entries(dependsOn(s))) {
      const target = services[dep];
      assert.ok(target, `${name} depends on unknown service ${dep}`);
      assert.ok(
        ['service_started', 'service_healthy', 'service_completed_successfully'].includes(
          condition,
        ),
        `${name} → ${dep}: unknown condition ${condition}`,
      );
      if (condition === 'service_healthy')
        assert.ok(
          target?.healthcheck?.test,
          `${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`,
        );
      if (condition === 'service_completed_successfully')
        assert.ok(
          target && isOneShot(target),
          `${name} waits for ${dep} to complete, but it restarts`,
        );
    }
  }
});

test('every long-running service has a healthcheck', () => {
  for (const [name, s] of Object.entries(services)) {
    if (isOneShot(s)) continue;
    assert.ok(s.healthcheck && !s.healthcheck.disable, `${name} has no healthcheck`);
    const t = s.healthcheck?.test;
    assert.ok(
      Array.isArray(t)
        ? ['CMD', 'CMD-SHELL'].includes(t[0] ?? '') && t.length > 1
        : typeof t === 'string',
      `${name}: healthcheck test`,
    );
  }
});

test('addresses point at compose services and the ports they listen on, and are depended on', () => {
  for (const name of APP_SERVICES) {
    const s = services[name] ?? {};
    const e = env(s);
    const deps = dependsOn(s);
    const brokers = (e.KAFKA_BROKERS ?? '').split(',');
    assert.ok(brokers.length > 0 && brokers[0] !== '', `${name}: KAFKA_BROKERS`);
    for (const b of brokers) {
      const [host = '', port = ''] = b.split(':');
      assert.ok(services[host], `${name}: broker host ${host} is not a compose service`);
      assert.ok(
        containerPorts(host).has(Number(port)),
        `${name}: ${host} does not listen on ${port}`,
      );
      assert.equal(deps[host], 'service_healthy', `${name} must wait for ${host}`);
    }
    // Inside the network the broker must be reached on a listener advertised with its service name.
    assert.match(
      env(services.kafka ?? {}).KAFKA_ADVERTISED_LISTENERS ?? '',
      new RegExp(`//${e.KAFKA_BROKERS}(,|$)`),
    );

    const registry = new URL(e.SCHEMA_REGISTRY_URL ?? '');
    assert.ok(services[registry.hostname], `${name}: registry host ${registry.hostname}`);
    assert.ok(
      containerPorts(registry.hostname).has(Number(registry.port)),
      `${name}: registry port ${registry.port}`,
    );
    assert.equal(
      registry.pathname,
      '/apis/ccompat/v7',
      `${name}: Apicurio's Confluent-compatible API`,
    );
    assert.equal(deps[registry.hostname], 'service_healthy');

    if (e.REDIS_URL !== undefined) {
      const redis = new URL(e.REDIS_URL);
      assert.equal(redis.protocol, 'redis:');
      assert.ok(services[redis.hostname], `${name}: redis host ${redis.hostname}`);
      assert.ok(
        containerPorts(redis.hostname).has(Number(redis.port || 6379)),
        `${name}: redis port`,
      );
      assert.equal(deps[redis.hostname], 'service_healthy');
    }
  }
  for (const name of ['scorer', 'query'])
    assert.ok(env(services[name] ?? {}).REDIS_URL, `${name} needs Redis`);
});

test("each service's environment passes the shared configuration's own validation", () => {
  for (const name of APP_SERVICES) {
    const config = defineConfig(commonSpec({ serviceName: name }), commonRules).load({
      env: env(services[name] ?? {}),
    });
    assert.equal(config.serviceName, name);
    assert.deepEqual(
      [config.topicFlows, config.topicFeatures, config.topicDetections, config.topicDlq],
      [
        DEFAULT_TOPICS.flows,
        DEFAULT_TOPICS.features,
        DEFAULT_TOPICS.detections,
        DEFAULT_TOPICS.dlq,
      ],
    );
  }
});

test('the topics job creates every topic the services use', () => {
  const job = services.topics;
  assert.ok(job && isOneShot(job));
  const script = ([] as string[]).concat(job.entrypoint ?? []).join('\n');
  for (const topic of Object.values(DEFAULT_TOPICS))
    assert.match(script, new RegExp(`create ${topic.replace(/\./g, '\\.')} `));
  assert.match(script, /--bootstrap-server kafka:19092/);
  assert.equal(dependsOn(job).kafka, 'service_healthy');
});

test('no secrets in plain text', () => {
  const secretName = /(PASSWORD|SECRET|TOKEN|API_?KEYS?|CREDENTIAL|PRIVATE_KEY)/i;
  for (const [name, s] of Object.entries(services)) {
    for (const [k, v] of Object.entries(env(s))) {
      if (secretName.test(k) && !k.endsWith('_FILE'))
        assert.match(v, /^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$/, `${name}: ${k} holds a literal secret`);
      assert.doesNotMatch(
        v,
        /\w+:\/\/[^/@\s,]*:[^/@\s,]+@/,
        `${name}: ${k} has a password in a URL`,
      );
    }
    for (const ref of s.secrets ?? []) {
      const source = typeof ref === 'string' ? ref : ref.source;
      assert.ok(compose.secrets?.[source], `${name} uses undeclared secret ${source}`);
    }
  }
  for (const [name, def] of Object.entries(compose.secrets ?? {}))
    assert.ok(
      def.environment || def.external || (def.file && !def.file.includes('..')),
      `secret ${name} source`,
    );
});

test('no host port is published twice', () => {
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(services))
    for (const p of s.ports ?? []) {
      const proto = p.includes('/') ? p.split('/')[1] : 'tcp';
      const host = `${p.split(':')[0]}/${proto}`;
      assert.ok(!seen.has(host), `${name} and ${seen.get(host)} both publish ${host}`);
      seen.set(host, name);
    }
});
