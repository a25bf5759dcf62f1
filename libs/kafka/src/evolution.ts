import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type avro from 'avsc';
import { DEFAULT_SCHEMAS_DIR, RECORD_NAMES, parseSchema } from './schemas.js';

/**
 * Enums that can never gain a symbol (a packet goes one of two ways), so need no default.
 * Every other enum needs one: a reader that meets a symbol it does not know falls back to it.
 */
export const CLOSED_ENUMS: ReadonlySet<string> = new Set(['io.opaqueflow.PacketDirection']);

export interface EvolutionFinding {
  readonly schema: string;
  readonly problem: string;
}

export interface EvolutionOptions {
  readonly dir?: string;
  readonly names?: readonly string[];
  /** Random values written with each old version and read back with the current one. */
  readonly samples?: number;
}

/**
 * Proves the committed schemas can evolve safely, for CI:
 * - schemas/history/<Name>/v1.avsc … vN.avsc exist, numbered without gaps, and vN is the
 *   current schemas/<Name>.avsc (so every change leaves its predecessor on record);
 * - the current schema reads data written with every previous version (avsc resolver on
 *   random values), i.e. each change was BACKWARD-compatible, transitively;
 * - every enum has a default unless it is closed by definition;
 * - a named type shared between files (Transport, ExporterEvidence, …) is the same everywhere.
 * Returns the problems found; empty means the history is sound.
 */
export function checkSchemaEvolution(options: EvolutionOptions = {}): EvolutionFinding[] {
  const dir = options.dir ?? DEFAULT_SCHEMAS_DIR;
  const names = options.names ?? RECORD_NAMES;
  const samples = options.samples ?? 50;
  const findings: EvolutionFinding[] = [];
  const sharedTypes = new Map<string, { schema: string; canonical: string }>();

  for (const name of names) {
    const add = (problem: string) => findings.push({ schema: name, problem });
    const currentPath = join(dir, `${name}.avsc`);
    let current: avro.Type;
    let currentText: string;
    try {
      currentText = readFileSync(currentPath, 'utf8');
      current = parseSchema(currentText, currentPath);
    } catch (e) {
      add((e as Error).message);
      continue;
    }
    checkEnums(current, add);
    collectNamedTypes(current, name, sharedTypes, add);

    const historyDir = join(dir, 'history', name);
    const versions = existsSync(historyDir) ? historyVersions(historyDir) : [];
    if (versions.length === 0) {
      add(`no history: copy the schema to history/${name}/v1.avsc`);
      continue;
    }
    versions.forEach((v, i) => {
      if (v !== i + 1) add(`history versions must be v1…vN without gaps (found v${v} at ${i + 1})`);
    });
    const latest = versions[versions.length - 1];
    const latestText = readFileSync(join(historyDir, `v${latest}.avsc`), 'utf8');
    if (!sameSchema(latestText, currentText))
      add(
        `${name}.avsc differs from history/${name}/v${latest}.avsc: a changed schema must be ` +
          `added as history/${name}/v${(latest ?? 0) + 1}.avsc`,
      );
    for (const v of versions) {
      const path = join(historyDir, `v${v}.avsc`);
      let writer: avro.Type;
      try {
        writer = parseSchema(readFileSync(path, 'utf8'), path);
      } catch (e) {
        add((e as Error).message);
        continue;
      }
      const problem = readsDataOf(current, writer, samples);
      if (problem !== null) add(`current cannot read data written with v${v}: ${problem}`);
    }
  }
  return findings;
}

function historyVersions(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^v(\d+)\.avsc$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Same schema, docs aside: a changed default or order matters to readers, a doc does not. */
function sameSchema(a: string, b: string): boolean {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'doc')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  try {
    return JSON.stringify(strip(JSON.parse(a))) === JSON.stringify(strip(JSON.parse(b)));
  } catch {
    return false;
  }
}

export function readsDataOf(reader: avro.Type, writer: avro.Type, samples: number): string | null {
  let resolver: avro.Resolver;
  try {
    resolver = reader.createResolver(writer);
  } catch (e) {
    return (e as Error).message;
  }
  for (let i = 0; i < samples; i++) {
    const written: unknown = writer.random();
    try {
      const read: unknown = reader.fromBuffer(writer.toBuffer(written), resolver);
      if (!reader.isValid(read)) return `a value read back is not valid: ${JSON.stringify(read)}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}

function walk(type: avro.Type, visit: (t: avro.Type) => void, seen = new Set<avro.Type>()): void {
  if (seen.has(type)) return;
  seen.add(type);
  visit(type);
  const t = type as unknown as {
    fields?: { type: avro.Type }[];
    types?: avro.Type[];
    itemsType?: avro.Type;
    valuesType?: avro.Type;
  };
  for (const f of t.fields ?? []) walk(f.type, visit, seen);
  for (const u of t.types ?? []) walk(u, visit, seen);
  if (t.itemsType) walk(t.itemsType, visit, seen);
  if (t.valuesType) walk(t.valuesType, visit, seen);
}

function checkEnums(type: avro.Type, add: (p: string) => void): void {
  walk(type, (t) => {
    if (t.typeName !== 'enum' || t.name === undefined || CLOSED_ENUMS.has(t.name)) return;
    if ((t as unknown as { default?: string }).default === undefined)
      add(`enum ${t.name} has no default: readers would fail on a symbol added later`);
  });
}

function collectNamedTypes(
  type: avro.Type,
  schema: string,
  seen: Map<string, { schema: string; canonical: string }>,
  add: (p: string) => void,
): void {
  walk(type, (t) => {
    if (t.name === undefined || t === type) return;
    const canonical = JSON.stringify(t.schema({ exportAttrs: true }));
    const earlier = seen.get(t.name);
    if (earlier === undefined) seen.set(t.name, { schema, canonical });
    else if (earlier.canonical !== canonical)
      add(`${t.name} differs from its definition in ${earlier.schema}.avsc`);
  });
}
