// Offline validation against the Kubernetes API schemas: kubernetes-models (generated from the
// Kubernetes OpenAPI document, and from the KEDA and Prometheus Operator CRDs) validates types,
// required fields, enums and formats with its compiled JSON-schema validators; its TypeScript
// interfaces catch what those validators let through, a misspelt or misplaced field, through
// the compiler's excess-property check on an object literal typed by the kind's interface.
import { createRequire } from 'node:module';
import ts from 'typescript';
import type { K8sObject } from './render.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** apiVersion → the package directory that models it. */
function modelPath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  if (group === 'monitoring.coreos.com')
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  return group === ''
    ? `kubernetes-models/${version}/${kind}`
    : `kubernetes-models/${group}/${version}/${kind}`;
}

const require = createRequire(import.meta.url);

/** Throws unless a model for the kind exists: an unknown kind is not valid by default. */
export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
  const path = modelPath(apiVersion, kind);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`no schema for ${apiVersion} ${kind} (${path}): ${(err as Error).message}`);
  }
  const cls = mod[kind];
  if (typeof cls !== 'function') throw new Error(`${path} has no ${kind} model`);
  return cls as ModelClass;
}

/** Schema errors of one object (empty: valid). */
export async function schemaErrors(o: K8sObject): Promise<string[]> {
  const Model = await modelFor(o.apiVersion, o.kind);
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    return [`${o.kind}/${o.metadata.name}: ${(err as Error).message}`];
  }
}

/**
 * Fields the API does not know, found by type-checking each object as a literal of its
 * kind's interface. Returns the compiler's messages, naming the object.
 */
export function unknownFieldErrors(objects: readonly K8sObject[]): string[] {
  const lines: string[] = [];
  const names: string[] = [];
  objects.forEach((o, i) => {
    const path = modelPath(o.apiVersion, o.kind);
    lines.push(`import type { I${o.kind} as T${i} } from '${path}';`);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(o)};`);
    names.push(`${o.kind}/${o.metadata.name}`);
  });
  const fileName = `${require.resolve('kubernetes-models/package.json').replace(/node_modules\/kubernetes-models\/package\.json$/, '')}__manifests__.ts`;
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  host.getSourceFile = (f, v, onError, create) =>
    f === fileName
      ? ts.createSourceFile(f, source, v, true, ts.ScriptKind.TS)
      : getSourceFile(f, v, onError, create);
  const program = ts.createProgram([fileName], options, host);
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName))) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    // Two lines per object: the import, then the typed literal.
    const line =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const what = names[Math.floor(line / 2)] ?? 'manifests';
    errors.push(`${what}: ${message.split('\n').pop() ?? message}`);
  }
  return errors;
}
