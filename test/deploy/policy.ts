// Policies every rendered workload must meet (the restricted Pod Security profile plus
// opaqueflow's own operating rules). Each check returns the violations it found, as
// "<Kind>/<name>: <what>", so a test can show that a mutated object is caught.
import { parseDurationMs } from '@opaqueflow/config';
import type { K8sObject } from './render.js';

/** The one workload allowed NET_RAW, host networking and uid 0 (see its manifest). */
export const CAPTURE_SENSOR = 'DaemonSet/capture-sensor';

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: SecurityContext;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { runAsGroup?: number };
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; hostPath?: unknown }[];
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'];

export function isWorkload(o: K8sObject): boolean {
  return WORKLOADS.includes(o.kind);
}

export function podSpec(o: K8sObject): PodSpec {
  const spec = o.spec as { template?: { spec?: PodSpec } } | undefined;
  const pod = spec?.template?.spec;
  if (pod === undefined) throw new Error(`${id(o)} has no pod template`);
  return pod;
}

export function id(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

function containers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** Long-running workloads answer probes; a Job runs to completion and has none. */
export function checkProbes(o: K8sObject): string[] {
  if (o.kind === 'Job') return [];
  const out: string[] = [];
  for (const c of podSpec(o).containers) {
    const ports = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
    const probes: [string, Probe | undefined, string][] = [
      ['liveness', c.livenessProbe, '/healthz'],
      ['readiness', c.readinessProbe, '/readyz'],
    ];
    for (const [kind, probe, path] of probes) {
      if (probe === undefined) {
        out.push(`${id(o)}: container ${c.name} has no ${kind} probe`);
        continue;
      }
      if (probe.httpGet?.path !== path)
        out.push(`${id(o)}: ${c.name}'s ${kind} probe must GET ${path}`);
      if (probe.httpGet?.port === undefined || !ports.has(probe.httpGet.port))
        out.push(`${id(o)}: ${c.name}'s ${kind} probe names a port the container does not open`);
    }
  }
  return out;
}

export function checkResources(o: K8sObject): string[] {
  const out: string[] = [];
  for (const c of containers(podSpec(o)))
    for (const kind of ['requests', 'limits'] as const)
      for (const r of ['cpu', 'memory'])
        if (c.resources?.[kind]?.[r] === undefined)
          out.push(`${id(o)}: container ${c.name} has no ${r} ${kind.replace(/s$/, '')}`);
  return out;
}

/** Non-root with a numeric uid, read-only root, nothing to escalate to, seccomp on. */
export function checkSecurityContext(o: K8sObject): string[] {
  const out: string[] = [];
  const pod = podSpec(o);
  const sensor = id(o) === CAPTURE_SENSOR;
  const podSc = pod.securityContext ?? {};
  for (const c of containers(pod)) {
    const sc = { ...podSc, ...(c.securityContext ?? {}) };
    const where = `${id(o)}: container ${c.name}`;
    if (sensor) {
      if (sc.runAsUser !== 0) out.push(`${where}: the sensor's uid is stated (0)`);
    } else {
      if (sc.runAsNonRoot !== true) out.push(`${where} may run as root (runAsNonRoot)`);
      if (typeof sc.runAsUser !== 'number' || sc.runAsUser === 0)
        out.push(`${where} runs as root or as a user the image chooses (runAsUser)`);
    }
    if (sc.readOnlyRootFilesystem !== true) out.push(`${where} has a writable root filesystem`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where} allows privilege escalation`);
    if (sc.privileged === true) out.push(`${where} is privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL'))
      out.push(`${where} does not drop ALL capabilities`);
    const added = sc.capabilities?.add ?? [];
    const allowed = sensor ? ['NET_RAW'] : [];
    for (const cap of added)
      if (!allowed.includes(cap)) out.push(`${where} adds capability ${cap}`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault')
      out.push(`${where} has no RuntimeDefault seccomp profile`);
  }
  if (!sensor && pod.hostNetwork === true) out.push(`${id(o)} uses the host network`);
  if (pod.hostPID === true || pod.hostIPC === true) out.push(`${id(o)} shares host PID/IPC`);
  for (const v of pod.volumes ?? [])
    if (v.hostPath !== undefined) out.push(`${id(o)} mounts a host path (${v.name})`);
  return out;
}

/** An image names a version or a digest; `latest` or no tag at all moves under the user. */
export function checkImages(o: K8sObject): string[] {
  const out: string[] = [];
  for (const c of containers(podSpec(o))) {
    const image = c.image ?? '';
    const digest = /@sha256:[0-9a-f]{64}$/.test(image);
    const tag = /:([\w][\w.-]{0,127})$/.exec(image.replace(/@sha256:[0-9a-f]{64}$/, ''))?.[1];
    if (!digest && tag === undefined) out.push(`${id(o)}: image "${image}" has no tag`);
    if (tag === 'latest') out.push(`${id(o)}: image "${image}" is tagged latest`);
  }
  return out;
}

/** Shutdown settings a pod gets from its ConfigMaps (envFrom), then its own env. */
export function podEnv(objects: readonly K8sObject[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (name === undefined) continue;
    const cm = objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === name);
    if (cm === undefined) throw new Error(`container ${c.name} reads missing ConfigMap ${name}`);
    Object.assign(env, cm.data ?? {});
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** Defaults of libs/config commonSpec (SHUTDOWN_GRACE, SHUTDOWN_FORCE). */
const DEFAULT_GRACE_MS = 20_000;
const DEFAULT_FORCE_MS = 5_000;
/** Time for endpoints to drop the pod and for the process to exit after the force deadline. */
export const GRACE_MARGIN_S = 5;

/**
 * terminationGracePeriodSeconds covers the service's own drain (SHUTDOWN_GRACE) and its
 * forced close (SHUTDOWN_FORCE) plus a margin: SIGKILL must not cut a commit short.
 */
export function checkGracePeriod(o: K8sObject, objects: readonly K8sObject[]): string[] {
  if (o.kind === 'Job') return [];
  const pod = podSpec(o);
  const period = pod.terminationGracePeriodSeconds;
  if (period === undefined) return [`${id(o)} has no terminationGracePeriodSeconds`];
  const out: string[] = [];
  for (const c of pod.containers) {
    const env = podEnv(objects, c);
    const grace =
      env.SHUTDOWN_GRACE === undefined ? DEFAULT_GRACE_MS : parseDurationMs(env.SHUTDOWN_GRACE);
    const force =
      env.SHUTDOWN_FORCE === undefined ? DEFAULT_FORCE_MS : parseDurationMs(env.SHUTDOWN_FORCE);
    if (grace === null || force === null) {
      out.push(`${id(o)}: SHUTDOWN_GRACE/SHUTDOWN_FORCE do not parse`);
      continue;
    }
    const needed = Math.ceil((grace + force) / 1000) + GRACE_MARGIN_S;
    if (period < needed)
      out.push(
        `${id(o)}: terminationGracePeriodSeconds ${period} < ${needed} (SHUTDOWN_GRACE + SHUTDOWN_FORCE + ${GRACE_MARGIN_S}s)`,
      );
  }
  return out;
}

/** Every workload check at once. */
export function checkWorkload(o: K8sObject, objects: readonly K8sObject[]): string[] {
  return [
    ...checkProbes(o),
    ...checkResources(o),
    ...checkSecurityContext(o),
    ...checkImages(o),
    ...checkGracePeriod(o, objects),
  ];
}
