import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWire, encodeWire } from '../src/index.js';

test('Confluent wire format: magic 0, big-endian id, body', () => {
  const framed = encodeWire(0x01020304, Buffer.from([0xaa, 0xbb]));
  assert.deepEqual([...framed], [0, 1, 2, 3, 4, 0xaa, 0xbb]);
  const back = decodeWire(framed);
  assert.ok(back.ok);
  assert.equal(back.value.schemaId, 0x01020304);
  assert.deepEqual([...back.value.body], [0xaa, 0xbb]);
});

test('bad frames are reported, never thrown', () => {
  for (const [bytes, reason] of [
    [null, /no value/],
    [Buffer.from([0, 1, 2]), /shorter than the 5-byte/],
    [Buffer.from([1, 0, 0, 0, 1, 9]), /magic byte 1/],
  ] as const) {
    const r = decodeWire(bytes);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'WIRE_FORMAT_INVALID');
    assert.match(!r.ok ? r.error.message : '', reason);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
      decodeWire(Buffer.from(b));
    }),
  );
});

test('round trip for any id and body', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array(), (id, body) => {
      const r = decodeWire(encodeWire(id, body));
      assert.ok(r.ok);
      assert.equal(r.value.schemaId, id);
      assert.deepEqual(new Uint8Array(r.value.body), body);
    }),
  );
});
