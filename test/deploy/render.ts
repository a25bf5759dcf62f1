// Renders the kustomize overlays in deploy/kubernetes with `kubectl kustomize` and parses the
// result. kubectl is a test requirement (scripts/bootstrap.sh --test installs it): when it is
// missing, rendering throws and the tests fail by name instead of passing without a manifest.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUSTOMIZE_ROOT = `${ROOT}deploy/kubernetes`;

/** Every overlay directory: each is a deployable variant and is checked as a whole. */
export const OVERLAYS: readonly string[] = readdirSync(`${KUSTOMIZE_ROOT}/overlays`).sort();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** $KUBECTL, else the one scripts/bootstrap.sh --test installed, else kubectl on PATH. */
export function kubectl(): string {
  const local = `${ROOT}.cache/tools/kubectl`;
  return process.env.KUBECTL ?? (existsSync(local) ? local : 'kubectl');
}

/** `kubectl kustomize <dir>`; throws with kubectl's own message on any failure. */
export function renderDir(dir: string): K8sObject[] {
  const run = spawnSync(kubectl(), ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (run.error)
    throw new Error(
      `kubectl is required to render deploy/kubernetes (${run.error.message}); ` +
        'install it with scripts/bootstrap.sh --test or point KUBECTL at one',
    );
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  const docs = parseAllDocuments(run.stdout);
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

const cache = new Map<string, K8sObject[]>();

/** The rendered overlay, as fresh objects each call (tests mutate copies). */
export function renderOverlay(overlay: string): K8sObject[] {
  let objects = cache.get(overlay);
  if (objects === undefined) {
    objects = renderDir(`${KUSTOMIZE_ROOT}/overlays/${overlay}`);
    cache.set(overlay, objects);
  }
  return structuredClone(objects);
}

export function byKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name}`);
  return o;
}
