import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection } from '@opaqueflow/flow-model';
import type { LoadedSchema } from '@opaqueflow/kafka';
import {
  DETECTION,
  KafkaError,
  Registry,
  TopicCodec,
  loadSchema,
  parseSchema,
} from '@opaqueflow/kafka';
import { detection } from '../../libs/kafka/test/fixtures.js';
import { runId, serverAddresses } from './servers.js';

const servers = serverAddresses();
const registry = new Registry({ url: servers.registryUrl });
const topic = `it.evolution.${runId()}`;
const subject = `${topic}-value`;

after(async () => {
  await registry.deleteSubject(subject).catch(() => undefined);
});

type SchemaJson = { fields: Record<string, unknown>[] } & Record<string, unknown>;
const v1 = loadSchema('Detection');

function variant(change: (s: SchemaJson) => void): LoadedSchema {
  const s = JSON.parse(v1.text) as SchemaJson;
  change(s);
  const text = JSON.stringify(s);
  return { name: 'Detection', text, type: parseSchema(text, 'variant') };
}

/** POST a schema straight at the Confluent API, to see the registry's own status code. */
async function postVersion(schema: string): Promise<number> {
  const res = await fetch(
    `${servers.registryUrl.replace(/\/+$/, '')}/subjects/${subject}/versions`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    },
  );
  await res.text();
  return res.status;
}

test('BACKWARD evolution on a real registry: optional field accepted and reads old data; breaking changes refused with 409', async () => {
  const writerV1 = new TopicCodec<Detection>({ registry, topic, binding: DETECTION, schema: v1 });
  const v1Id = await writerV1.register();
  assert.equal(await registry.getCompatibility(subject), 'BACKWARD');
  const oldBytes = writerV1.encode(detection);
  assert.ok(oldBytes.ok);

  // v2: a new optional field, ["null", T] with default null.
  const v2 = variant((s) =>
    s.fields.push({ name: 'tenant', type: ['null', 'string'], default: null }),
  );
  assert.equal(await registry.isCompatible(subject, v2.text), true);
  const readerV2 = new TopicCodec<Detection>({ registry, topic, binding: DETECTION, schema: v2 });
  const v2Id = await readerV2.register();
  assert.notEqual(v2Id, v1Id);

  // The v2 reader decodes v1 bytes (writer schema fetched by id, resolved to v2).
  const decoded = await readerV2.decode(oldBytes.value);
  assert.deepEqual(decoded, { ok: true, value: structuredClone(detection) });
  // And the raw v2 view of old data has the new field at its default.
  const raw = (await registry.client.decode(oldBytes.value, {
    AVRO: { readerSchema: JSON.parse(v2.text) as never },
  })) as { tenant: unknown; id: string; score: number };
  assert.equal(raw.tenant, null);
  assert.equal(raw.id, detection.id);
  assert.equal(raw.score, detection.score);

  // Incompatible: a new required field without a default (old data has no value for it).
  const requiredField = variant((s) => {
    s.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
    s.fields.push({ name: 'region', type: 'string' });
  });
  assert.equal(await registry.isCompatible(subject, requiredField.text), false);
  assert.equal(await postVersion(requiredField.text), 409);
  await assert.rejects(
    registry.register(subject, requiredField.text),
    (e: unknown) => e instanceof KafkaError && e.code === 'SCHEMA_INCOMPATIBLE',
  );

  // Incompatible: a retyped field (score double → string).
  const retyped = variant((s) => {
    s.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
    const score = s.fields.find((f) => f.name === 'score');
    if (score) score.type = 'string';
  });
  assert.equal(await postVersion(retyped.text), 409);

  // Registering a schema the subject already has returns its id and adds no version.
  assert.equal(await registry.register(subject, v1.text), v1Id);
  assert.equal(await registry.register(subject, v2.text), v2Id);

  // Nothing refused (or repeated) was stored: the subject still has exactly v1 and v2.
  const res = await fetch(
    `${servers.registryUrl.replace(/\/+$/, '')}/subjects/${subject}/versions`,
  );
  assert.deepEqual(await res.json(), [1, 2]);
});
