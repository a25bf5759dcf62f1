import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TOPICS } from '@opaqueflow/config';
import { SERVICES, SERVICE_CONFIGS, TEST_API_KEYS } from './services.js';
import type { K8sObject } from './render.js';
import { OVERLAYS, byKind, find, renderOverlay } from './render.js';
import { schemaErrors, unknownFieldErrors } from './schema.js';
import {
  CAPTURE_SENSOR,
  checkGracePeriod,
  checkImages,
  checkProbes,
  checkResources,
  checkSecurityContext,
  checkWorkload,
  id,
  isWorkload,
  podEnv,
  podSpec,
} from './policy.js';

/** The overlays that deploy the four services (the capture sensor's deploys only itself). */
const SERVICE_OVERLAYS = OVERLAYS.filter((o) => o !== 'capture-sensor');

test('the overlays are dev, production and the capture sensor', () => {
  assert.deepEqual([...OVERLAYS], ['capture-sensor', 'dev', 'production']);
});

for (const overlay of OVERLAYS) {
  test(`${overlay}: every object is valid against the Kubernetes API schemas`, async () => {
    const objects = renderOverlay(overlay);
    assert.ok(objects.length > 0);
    const errors = (await Promise.all(objects.map(schemaErrors))).flat();
    assert.deepEqual(errors, []);
  });

  test(`${overlay}: no object has a field the API does not know`, () => {
    assert.deepEqual(unknownFieldErrors(renderOverlay(overlay)), []);
  });

  test(`${overlay}: every workload meets the policies`, () => {
    const objects = renderOverlay(overlay);
    const workloads = objects.filter(isWorkload);
    assert.ok(workloads.length > 0);
    assert.deepEqual(
      workloads.flatMap((w) => checkWorkload(w, objects)),
      [],
    );
  });

  test(`${overlay}: no Secret values, only references`, () => {
    const objects = renderOverlay(overlay);
    assert.deepEqual(byKind(objects, 'Secret'), []);
    const secretish = /(PASSWORD|SECRET|TOKEN|API_?KEYS?$|CREDENTIAL)/;
    for (const w of objects.filter(isWorkload))
      for (const c of podSpec(w).containers) {
        for (const e of c.env ?? [])
          if (secretish.test(e.name))
            assert.equal(e.value, undefined, `${id(w)}: ${e.name} is a literal`);
        for (const [k, v] of Object.entries(podEnv(objects, c))) {
          assert.ok(!secretish.test(k), `${id(w)}: ${k} comes from a ConfigMap`);
          assert.doesNotMatch(v, /\/\/[^/@\s]*:[^/@\s]+@/, `${id(w)}: ${k} has a password`);
        }
      }
  });

  test(`${overlay}: traffic is denied by default and DNS is allowed`, () => {
    const policies = byKind(renderOverlay(overlay), 'NetworkPolicy');
    const deny = policies.find((p) => {
      const spec = p.spec as { podSelector?: object; policyTypes?: string[]; ingress?: unknown };
      return (
        Object.keys(spec.podSelector ?? { x: 1 }).length === 0 &&
        spec.policyTypes?.includes('Ingress') &&
        spec.policyTypes.includes('Egress') &&
        spec.ingress === undefined &&
        (spec as { egress?: unknown }).egress === undefined
      );
    });
    assert.ok(deny, 'a default-deny policy selecting every pod');
    const dns = policies.some((p) => JSON.stringify(p.spec).includes('"port":53'));
    assert.ok(dns, 'DNS egress');
  });
}

// ---- Policy checks fail on the mistakes they exist for (each mutation must be caught) ----

function deployment(name = 'scorer'): { objects: K8sObject[]; d: K8sObject } {
  const objects = renderOverlay('production');
  return { objects, d: find(objects, 'Deployment', name) };
}
const main = (d: K8sObject) => podSpec(d).containers[0]!;

test('policy: a missing liveness or readiness probe is caught', () => {
  for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
    const { d } = deployment();
    delete main(d)[probe];
    assert.match(checkProbes(d).join('\n'), new RegExp(`no ${probe.replace('Probe', '')} probe`));
  }
  const { d } = deployment();
  main(d).readinessProbe = { httpGet: { path: '/metrics', port: 'ops' } };
  assert.match(checkProbes(d).join('\n'), /readiness probe must GET \/readyz/);
  const { d: d2 } = deployment();
  main(d2).livenessProbe = { httpGet: { path: '/healthz', port: 'nope' } };
  assert.match(checkProbes(d2).join('\n'), /port the container does not open/);
});

test('policy: missing requests or limits are caught', () => {
  for (const [kind, r] of [
    ['requests', 'cpu'],
    ['requests', 'memory'],
    ['limits', 'cpu'],
    ['limits', 'memory'],
  ] as const) {
    const { d } = deployment();
    delete main(d).resources?.[kind]?.[r];
    assert.match(checkResources(d).join('\n'), new RegExp(`no ${r} ${kind.slice(0, -1)}`));
  }
  const { d } = deployment();
  delete main(d).resources;
  assert.equal(checkResources(d).length, 4);
});

test('policy: a root user is caught', () => {
  const { d } = deployment();
  main(d).securityContext = { ...main(d).securityContext, runAsUser: 0 };
  assert.match(checkSecurityContext(d).join('\n'), /runs as root/);
  const { d: d2 } = deployment();
  delete podSpec(d2).securityContext?.runAsNonRoot;
  delete main(d2).securityContext?.runAsNonRoot;
  assert.match(checkSecurityContext(d2).join('\n'), /may run as root/);
  const { d: d3 } = deployment();
  delete podSpec(d3).securityContext?.runAsUser;
  delete main(d3).securityContext?.runAsUser;
  assert.match(checkSecurityContext(d3).join('\n'), /user the image chooses/);
});

test('policy: a writable root filesystem is caught', () => {
  const { d } = deployment();
  main(d).securityContext!.readOnlyRootFilesystem = false;
  assert.match(checkSecurityContext(d).join('\n'), /writable root filesystem/);
});

test('policy: escalation, capabilities, seccomp and host access are caught', () => {
  const cases: [(d: K8sObject) => void, RegExp][] = [
    [(d) => (main(d).securityContext!.allowPrivilegeEscalation = true), /privilege escalation/],
    [(d) => (main(d).securityContext!.capabilities = { drop: [] }), /drop ALL/],
    [(d) => (main(d).securityContext!.capabilities!.add = ['NET_RAW']), /adds capability NET_RAW/],
    [(d) => delete main(d).securityContext!.seccompProfile, /seccomp/],
    [(d) => (podSpec(d).hostNetwork = true), /host network/],
    [(d) => podSpec(d).volumes?.push({ name: 'h', hostPath: { path: '/' } }), /host path/],
  ];
  for (const [mutate, message] of cases) {
    const { d } = deployment();
    delete podSpec(d).securityContext?.seccompProfile;
    mutate(d);
    assert.match(checkSecurityContext(d).join('\n'), message);
  }
});

test('policy: a missing or short grace period is caught', () => {
  const { d, objects } = deployment();
  delete podSpec(d).terminationGracePeriodSeconds;
  assert.match(checkGracePeriod(d, objects).join('\n'), /no terminationGracePeriodSeconds/);
  const { d: d2, objects: o2 } = deployment();
  podSpec(d2).terminationGracePeriodSeconds = 25; // = SHUTDOWN_GRACE + SHUTDOWN_FORCE, no margin
  assert.match(checkGracePeriod(d2, o2).join('\n'), /25 < 30/);
  // A longer drain needs a longer period: the check reads the pod's own settings.
  const { d: d3, objects: o3 } = deployment();
  main(d3).env!.push({ name: 'SHUTDOWN_GRACE', value: '60s' });
  assert.match(checkGracePeriod(d3, o3).join('\n'), /40 < 70/);
});

test('policy: image tag latest, or no tag, is caught', () => {
  for (const [image, message] of [
    ['opaqueflow/scorer:latest', /tagged latest/],
    ['opaqueflow/scorer', /has no tag/],
    ['registry.example.com:5000/opaqueflow/scorer', /has no tag/],
  ] as const) {
    const { d } = deployment();
    main(d).image = image;
    assert.match(checkImages(d).join('\n'), message, image);
  }
  const { d } = deployment();
  main(d).image = `opaqueflow/scorer:0.1.0@sha256:${'a'.repeat(64)}`;
  assert.deepEqual(checkImages(d), []);
});

test('policy: the schema checks catch a wrong type and a misspelt field', async () => {
  const { d } = deployment();
  (main(d) as unknown as { ports: unknown[] }).ports[0] = { containerPort: 'ops' };
  assert.equal((await schemaErrors(d)).length, 1);
  const { d: d2 } = deployment();
  (main(d2) as unknown as Record<string, unknown>).livenesProbe = {};
  assert.match(unknownFieldErrors([d2]).join('\n'), /livenesProbe/);
});

// ---- What the overlays deploy ----

for (const overlay of SERVICE_OVERLAYS) {
  const objects = renderOverlay(overlay);
  const env = (name: string) => podEnv(objects, main(find(objects, 'Deployment', name)));

  test(`${overlay}: each service has a Deployment, a PDB, an ops Service and a ServiceMonitor`, () => {
    for (const s of SERVICES) {
      const d = find(objects, 'Deployment', s);
      const labels = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      const selects = (o: K8sObject, path: (o: K8sObject) => unknown) =>
        JSON.stringify(path(o)) === JSON.stringify(labels);
      assert.ok(
        byKind(objects, 'PodDisruptionBudget').some((p) =>
          selects(
            p,
            (x) => (x.spec as { selector: { matchLabels: unknown } }).selector.matchLabels,
          ),
        ),
        `${s}: PodDisruptionBudget`,
      );
      const ops = find(objects, 'Service', `${s}-ops`);
      const opsSpec = ops.spec as { selector: unknown; ports: { name: string }[] };
      assert.deepEqual(opsSpec.selector, labels, `${s}-ops selects ${s}`);
      assert.ok(opsSpec.ports.some((p) => p.name === 'ops'));
      const monitor = find(objects, 'ServiceMonitor', s);
      const m = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
      for (const [k, v] of Object.entries(m.selector.matchLabels))
        assert.equal(ops.metadata.labels?.[k], v, `ServiceMonitor ${s} selects ${s}-ops`);
      assert.deepEqual(
        m.endpoints.map((e) => [e.port, e.path]),
        [['ops', '/metrics']],
      );
      // The ops port the probes and the ServiceMonitor use is the one the service listens on.
      const port = main(d).ports?.find((p) => p.name === 'ops')?.containerPort;
      assert.equal(String(port), env(s).METRICS_PORT, `${s}: METRICS_PORT`);
    }
  });

  test(`${overlay}: HPA on CPU for ingest and query, KEDA on consumer lag for features and scorer`, () => {
    for (const s of ['ingest', 'query']) {
      const hpa = find(objects, 'HorizontalPodAutoscaler', s).spec as {
        scaleTargetRef: { kind: string; name: string };
        metrics: { resource?: { name: string } }[];
      };
      assert.deepEqual(hpa.scaleTargetRef.kind + '/' + hpa.scaleTargetRef.name, `Deployment/${s}`);
      assert.deepEqual(
        hpa.metrics.map((m) => m.resource?.name),
        ['cpu'],
      );
    }
    const partitions = Number(env('features').TOPIC_PARTITIONS);
    assert.ok(partitions > 0);
    for (const [s, input] of [
      ['features', env('features').TOPIC_FLOWS],
      ['scorer', env('scorer').TOPIC_FEATURES],
    ] as const) {
      const so = find(objects, 'ScaledObject', s).spec as {
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        minReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      assert.equal(so.scaleTargetRef.name, s);
      const t = so.triggers[0]!;
      assert.equal(t.type, 'kafka');
      assert.equal(t.metadata.topic, input, `${s} scales on the topic it reads`);
      assert.equal(t.metadata.consumerGroup, env(s).CONSUMER_GROUP, `${s}: its own group`);
      assert.equal(t.metadata.bootstrapServers, env(s).KAFKA_BROKERS, `${s}: its brokers`);
      // The KEDA operator runs in its own namespace: a short service name would not resolve.
      for (const b of t.metadata.bootstrapServers!.split(','))
        assert.match(b, /\.svc(\.cluster\.local)?:\d+$/, `${s}: ${b} is not a cluster FQDN`);
      assert.ok(so.maxReplicaCount <= partitions, `${s}: more replicas than partitions`);
      assert.ok(so.minReplicaCount >= 1 && so.minReplicaCount <= so.maxReplicaCount);
      assert.equal(t.metadata.allowIdleConsumers, 'false');
    }
  });

  test(`${overlay}: each service's environment passes its own configuration's validation`, () => {
    for (const s of SERVICES) {
      const c = main(find(objects, 'Deployment', s));
      const e = env(s);
      // Values from Secrets are the operator's; a valid stand-in where the service needs one.
      const fromSecrets = (c.env ?? []).filter((x) => x.valueFrom !== undefined).map((x) => x.name);
      const config = SERVICE_CONFIGS[s].load({
        ...(fromSecrets.includes('QUERY_API_KEYS') ? { QUERY_API_KEYS: TEST_API_KEYS } : {}),
        ...e,
      });
      assert.equal(config.serviceName, s);
      assert.match(String(config.schemaRegistryUrl), /\/apis\/ccompat\/v7$/);
      for (const [k, v] of Object.entries(DEFAULT_TOPICS))
        assert.equal(e[`TOPIC_${k.toUpperCase()}`], v, `${s}: TOPIC_${k.toUpperCase()}`);
      // Every variable set is one the service reads: a misspelt or stale name is not ignored.
      for (const name of [...Object.keys(e), ...fromSecrets])
        assert.ok(SERVICE_CONFIGS[s].variables.has(name), `${s} does not read ${name}`);
    }
    for (const s of ['scorer', 'query']) assert.match(env(s).REDIS_URL ?? '', /^rediss?:\/\//);
  });

  test(`${overlay}: the topic Job creates every topic with the policies the services check`, () => {
    const job = find(objects, 'Job', 'opaqueflow-topics');
    const c = main(job);
    const script = (c as unknown as { command: string[] }).command.join('\n');
    for (const v of ['TOPIC_FLOWS', 'TOPIC_FEATURES', 'TOPIC_DETECTIONS', 'TOPIC_DLQ'])
      assert.match(script, new RegExp(`create "\\$${v}"`), v);
    assert.match(script, /"\$TOPIC_DETECTIONS".*cleanup\.policy=compact/);
    assert.match(script, /"\$TOPIC_DLQ".*retention\.ms=604800000/);
    assert.equal(podEnv(objects, c).KAFKA_BROKERS, env('ingest').KAFKA_BROKERS);
  });

  test(`${overlay}: network policies let each service reach only what it talks to`, () => {
    const policies = byKind(objects, 'NetworkPolicy');
    const selected = (p: K8sObject, name: string) => {
      const sel = (
        p.spec as {
          podSelector: {
            matchLabels?: Record<string, string>;
            matchExpressions?: { key: string; values: string[] }[];
          };
        }
      ).podSelector;
      if (sel.matchLabels?.['app.kubernetes.io/name'] === name) return true;
      if (sel.matchLabels?.['app.kubernetes.io/part-of'] === 'opaqueflow') return true;
      return (sel.matchExpressions ?? []).some(
        (e) => e.key === 'app.kubernetes.io/name' && e.values.includes(name),
      );
    };
    const egressTo = (name: string) =>
      policies
        .filter((p) => selected(p, name))
        .flatMap(
          (p) =>
            (
              p.spec as {
                egress?: {
                  to?: { podSelector?: { matchLabels?: Record<string, string> } }[];
                  ports?: { port: number }[];
                }[];
              }
            ).egress ?? [],
        )
        .flatMap((r) =>
          (r.to ?? []).map(
            (t) =>
              t.podSelector?.matchLabels?.['app.kubernetes.io/name'] ??
              t.podSelector?.matchLabels?.['k8s-app'],
          ),
        )
        .sort();
    assert.deepEqual(egressTo('ingest'), ['apicurio-registry', 'kafka', 'kube-dns']);
    assert.deepEqual(egressTo('features'), ['apicurio-registry', 'kafka', 'kube-dns']);
    assert.deepEqual(egressTo('scorer'), ['apicurio-registry', 'kafka', 'kube-dns', 'redis']);
    assert.deepEqual(egressTo('query'), ['apicurio-registry', 'kafka', 'kube-dns', 'redis']);
    assert.deepEqual(egressTo('opaqueflow-topics'), ['kafka', 'kube-dns']);
    const ingressPorts = (name: string) =>
      policies
        .filter((p) => selected(p, name))
        .flatMap(
          (p) =>
            (p.spec as { ingress?: { ports?: { port: string | number; protocol: string }[] }[] })
              .ingress ?? [],
        )
        .flatMap((r) => (r.ports ?? []).map((x) => `${x.port}/${x.protocol}`))
        .sort();
    assert.deepEqual(ingressPorts('ingest'), [
      'ipfix-tcp/TCP',
      'ipfix-udp/UDP',
      'netflow/UDP',
      'ops/TCP',
      'sflow/UDP',
    ]);
    assert.deepEqual(ingressPorts('query'), ['http/TCP', 'ops/TCP']);
    assert.deepEqual(ingressPorts('features'), ['ops/TCP']);
    assert.deepEqual(ingressPorts('scorer'), ['ops/TCP']);
  });
}

test('only the capture sensor has NET_RAW, and it has nothing else', () => {
  for (const overlay of OVERLAYS) {
    const objects = renderOverlay(overlay);
    for (const w of objects.filter(isWorkload))
      for (const c of podSpec(w).containers) {
        const added = c.securityContext?.capabilities?.add ?? [];
        if (id(w) === CAPTURE_SENSOR) assert.deepEqual(added, ['NET_RAW']);
        else assert.deepEqual(added, [], `${overlay}: ${id(w)}`);
      }
  }
  const sensor = find(renderOverlay('capture-sensor'), 'DaemonSet', 'capture-sensor');
  assert.equal(podSpec(sensor).hostNetwork, true);
  const ns = find(renderOverlay('capture-sensor'), 'Namespace', 'opaqueflow-sensor');
  assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
});

test('production enforces the restricted Pod Security profile on the services namespace', () => {
  const objects = renderOverlay('production');
  const ns = find(objects, 'Namespace', 'opaqueflow');
  assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  for (const o of objects)
    if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'opaqueflow', id(o));
  const ingest = find(objects, 'Service', 'ingest').spec as {
    type: string;
    externalTrafficPolicy: string;
  };
  assert.equal(ingest.type, 'LoadBalancer');
  assert.equal(ingest.externalTrafficPolicy, 'Local', 'exporter addresses reach ingest');
});
