import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { KafkaError } from './errors.js';

export type RecordName = 'FlowRecord' | 'FlowFeatures' | 'Detection';
export const RECORD_NAMES: readonly RecordName[] = Object.freeze([
  'FlowRecord',
  'FlowFeatures',
  'Detection',
]);

export interface LoadedSchema {
  readonly name: RecordName;
  /** The file's text, registered as is (so the registry stores exactly what is committed). */
  readonly text: string;
  readonly type: avro.Type;
}

/** schemas/ at the repository root, found from this file in src/ or dist/. */
export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export function parseSchema(text: string, origin: string): avro.Type {
  try {
    // Logical types are left to the mapping: timestamp-millis stays a number of milliseconds.
    return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  } catch (cause) {
    throw new KafkaError(
      'SCHEMA_LOAD_FAILED',
      `${origin} is not a valid Avro schema: ${(cause as Error).message}`,
      { cause },
    );
  }
}

export function loadSchema(name: RecordName, dir: string = DEFAULT_SCHEMAS_DIR): LoadedSchema {
  const path = join(dir, `${name}.avsc`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KafkaError('SCHEMA_LOAD_FAILED', `cannot read ${path}`, { cause });
  }
  const type = parseSchema(text, path);
  if (type.name !== `io.opaqueflow.${name}`)
    throw new KafkaError(
      'SCHEMA_LOAD_FAILED',
      `${path} defines ${type.name}, not io.opaqueflow.${name}`,
    );
  return Object.freeze({ name, text, type });
}
