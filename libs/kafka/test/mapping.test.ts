import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FlowFeatures, FlowRecord } from '@opaqueflow/flow-model';
import {
  AvroCodec,
  DETECTION,
  FLOW_FEATURES,
  FLOW_RECORD,
  KafkaError,
  detectionFromAvro,
  detectionToAvro,
  flowFeaturesFromAvro,
  flowFeaturesToAvro,
  flowRecordFromAvro,
  flowRecordToAvro,
} from '../src/index.js';
import {
  AVSC_MAX_LONG,
  detection,
  flowFeatures,
  flowFeaturesTls,
  flowRecord,
  flowRecordArb,
} from './fixtures.js';

const flows = new AvroCodec(FLOW_RECORD);
const features = new AvroCodec(FLOW_FEATURES);
const detections = new AvroCodec(DETECTION);

function roundTrip<T>(codec: AvroCodec<T>, value: T): T {
  const body = codec.encodeBody(value);
  assert.ok(body.ok, body.ok ? '' : body.error.message);
  const back = codec.decodeBody(body.value);
  assert.ok(back.ok, back.ok ? '' : back.error.message);
  return back.value;
}

test('FlowRecord round-trips through avsc field by field, payloads as plain Uint8Array', () => {
  const back = roundTrip(flows, flowRecord);
  assert.deepEqual(back, flowRecord);
  assert.ok(back.initiatorPayload instanceof Uint8Array);
  assert.ok(!Buffer.isBuffer(back.initiatorPayload));
  assert.equal(back.bytesFwd, 5_000_000_000);
});

test('FlowRecord round-trips for arbitrary records', () => {
  fc.assert(
    fc.property(flowRecordArb, (r: FlowRecord) => {
      // structuredClone: fast-check may build null-prototype objects, avsc never does.
      assert.deepEqual(roundTrip(flows, r), structuredClone(r));
    }),
    { numRuns: 200 },
  );
});

test('FlowFeatures and Detection round-trip', () => {
  assert.deepEqual(roundTrip(features, flowFeatures), flowFeatures);
  assert.deepEqual(roundTrip(features, flowFeaturesTls), flowFeaturesTls);
  const back = roundTrip(detections, detection);
  assert.deepEqual(back, detection);
  // The union ["double","string"] keeps each reason value's type.
  assert.equal(typeof back.reasons[0]?.value, 'number');
  assert.equal(typeof back.reasons[1]?.value, 'string');
});

test('payload mapping is zero-copy towards Avro', () => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
  const view = backing.subarray(2, 5);
  const avro = flowRecordToAvro({ ...flowRecord, initiatorPayload: view });
  assert.deepEqual([...(avro.initiatorPayload ?? [])], [1, 2, 3]);
  assert.equal(avro.initiatorPayload?.buffer, backing.buffer);
});

function encodeAvro(codec: AvroCodec<unknown>, avroValue: unknown): Buffer {
  return codec.schema.type.toBuffer(avroValue);
}

test('symbols outside the flow-model unions are refused with the field path', () => {
  const raw = { ...flowRecordToAvro(flowRecord), source: 'jflow' };
  const r = flows.decodeBody(encodeAvro(flows, raw));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.error instanceof KafkaError);
  assert.equal(!r.ok && r.error.code, 'RECORD_INVALID');
  assert.equal(!r.ok && r.error.path, 'source');

  const v5 = { ...flowRecordToAvro(flowRecord), ipVersion: 5 };
  const r5 = flows.decodeBody(encodeAvro(flows, v5));
  assert.equal(!r5.ok && r5.error.path, 'ipVersion');

  const f = features.encodeBody({ ...flowFeatures, verdict: 'sparkly' } as unknown as FlowFeatures);
  assert.ok(f.ok);
  const rf = features.decodeBody(f.value);
  assert.equal(!rf.ok && rf.error.path, 'verdict');
});

test('content magic unknown to this reader is still compressed/media content: "other"', () => {
  const f = features.encodeBody({ ...flowFeatures, content: 'lz4' } as unknown as FlowFeatures);
  assert.ok(f.ok);
  const back = features.decodeBody(f.value);
  assert.ok(back.ok);
  assert.equal(back.value.content, 'other');
});

test('values that do not fit the schema fail to encode with a path, not a throw', () => {
  const bad = { ...flowRecord, srcPort: 'x' } as unknown as FlowRecord;
  const r = flows.encodeBody(bad);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'ENCODE_FAILED');
  assert.equal(!r.ok && r.error.path, 'srcPort');
  const huge = flows.encodeBody({ ...flowRecord, bytesFwd: AVSC_MAX_LONG + 1 });
  assert.equal(!huge.ok && huge.error.path, 'bytesFwd');
});

test('arbitrary bytes never throw out of decode', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const codec of [flows, features, detections] as AvroCodec<unknown>[]) {
        const r = codec.decodeBody(Buffer.from(bytes));
        if (!r.ok) assert.ok(['DECODE_FAILED', 'RECORD_INVALID'].includes(r.error.code));
      }
    }),
    { numRuns: 300 },
  );
});

test('fields a newer schema added do not leak into the flow-model values', () => {
  const extra = { tenant: 'x' };
  const d = detectionFromAvro({
    ...detectionToAvro(detection),
    ...extra,
    baseline: { ...detectionToAvro(detection).baseline, ...extra },
  });
  assert.deepEqual(d, { ok: true, value: detection });
  const f = flowFeaturesToAvro(flowFeaturesTls);
  const back = flowFeaturesFromAvro({
    ...f,
    ...extra,
    flow: { ...f.flow, ...extra },
    handshake: { ...f.handshake, ...extra },
    port: { ...f.port, ...extra },
    initiator: f.initiator && { ...f.initiator, ...extra },
  });
  assert.deepEqual(back, { ok: true, value: flowFeaturesTls });
  const r = flowRecordToAvro(flowRecord);
  const rb = flowRecordFromAvro({
    ...r,
    ...extra,
    packets: r.packets.map((p) => ({ ...p, ...extra })),
    exporterEvidence: r.exporterEvidence && { ...r.exporterEvidence, ...extra },
  });
  assert.deepEqual(rb, { ok: true, value: flowRecord });
});

test('mapped values have exactly the schema fields, at every level', () => {
  const strict = { noUndeclaredFields: true };
  assert.ok(flows.schema.type.isValid(flowRecordToAvro(flowRecord), strict));
  assert.ok(features.schema.type.isValid(flowFeaturesToAvro(flowFeaturesTls), strict));
  assert.ok(detections.schema.type.isValid(detectionToAvro(detection), strict));
  // The check itself catches an extra field.
  assert.ok(!detections.schema.type.isValid({ ...detectionToAvro(detection), extra: 1 }, strict));
});

test('any value the schema admits maps to a flow-model value or a RECORD_INVALID result', () => {
  for (const codec of [flows, features, detections] as AvroCodec<unknown>[]) {
    for (let i = 0; i < 200; i++) {
      const raw: unknown = codec.schema.type.random();
      const r = codec.decodeBody(codec.schema.type.toBuffer(raw));
      if (!r.ok) {
        assert.equal(r.error.code, 'RECORD_INVALID');
        assert.ok(r.error.path, r.error.message);
      }
    }
  }
});
