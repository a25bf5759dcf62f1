import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type avro from 'avsc';
import { KafkaError, RECORD_NAMES, TRANSPORTS, loadSchema } from '../src/index.js';

function enumSymbols(type: avro.Type, name: string): readonly string[] | null {
  const found = new Set<avro.Type>();
  const visit = (t: avro.Type): void => {
    if (found.has(t)) return;
    found.add(t);
    const x = t as unknown as {
      fields?: { type: avro.Type }[];
      types?: avro.Type[];
      itemsType?: avro.Type;
    };
    for (const f of x.fields ?? []) visit(f.type);
    for (const u of x.types ?? []) visit(u);
    if (x.itemsType) visit(x.itemsType);
  };
  visit(type);
  const e = [...found].find((t) => t.name === name) as unknown as
    { symbols?: string[] } | undefined;
  return e?.symbols ?? null;
}

test('every committed schema loads, under the io.opaqueflow namespace', () => {
  for (const name of RECORD_NAMES) {
    const s = loadSchema(name);
    assert.equal(s.type.name, `io.opaqueflow.${name}`);
    assert.ok(s.text.length > 0);
  }
});

test('the Avro Transport enum lists exactly the flow-model transports, default other', () => {
  const s = loadSchema('FlowRecord');
  assert.deepEqual(enumSymbols(s.type, 'io.opaqueflow.Transport'), [...TRANSPORTS]);
  const parsed = JSON.parse(s.text) as { fields: { name: string; type: { default?: string } }[] };
  assert.equal(parsed.fields.find((f) => f.name === 'transport')?.type.default, 'other');
});

test('timestamps are long timestamp-millis; payloads are optional bytes', () => {
  const parsed = JSON.parse(loadSchema('FlowRecord').text) as {
    fields: { name: string; type: unknown; default?: unknown }[];
  };
  const field = (n: string) => parsed.fields.find((f) => f.name === n);
  assert.deepEqual(field('startMs')?.type, { type: 'long', logicalType: 'timestamp-millis' });
  assert.deepEqual(field('initiatorPayload')?.type, ['null', 'bytes']);
  assert.equal(field('initiatorPayload')?.default, null);
});

test('a missing or invalid schema file is a coded error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-schemas-'));
  assert.throws(
    () => loadSchema('FlowRecord', dir),
    (e: unknown) =>
      e instanceof KafkaError &&
      e.code === 'SCHEMA_LOAD_FAILED' &&
      e.message.includes('FlowRecord.avsc'),
  );
  writeFileSync(
    join(dir, 'Detection.avsc'),
    '{"type":"record","name":"Detection","fields":[{"name":"x","type":"nope"}]}',
  );
  assert.throws(
    () => loadSchema('Detection', dir),
    (e: unknown) =>
      e instanceof KafkaError && e.code === 'SCHEMA_LOAD_FAILED' && e.cause instanceof Error,
  );
  writeFileSync(
    join(dir, 'FlowFeatures.avsc'),
    '{"type":"record","name":"Other","namespace":"io.opaqueflow","fields":[]}',
  );
  assert.throws(() => loadSchema('FlowFeatures', dir), /defines io.opaqueflow.Other/);
});
