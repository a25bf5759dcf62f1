import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { contentStreamValid } from '../../src/verdict/content-check.js';
import { seededBytes } from '../flow.js';

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(300));

test('real gzip streams are valid: whole, truncated, stored, highly compressible', () => {
  assert.equal(contentStreamValid('gzip', gzipSync(Buffer.from('short text'))), true);
  assert.equal(contentStreamValid('gzip', gzipSync(text).subarray(0, 60)), true);
  assert.equal(
    contentStreamValid('gzip', gzipSync(seededBytes(3000, 1), { level: 0 }).subarray(0, 1024)),
    true,
  );
  assert.equal(
    contentStreamValid('gzip', gzipSync(Buffer.alloc(3_000_000)).subarray(0, 1024)),
    true,
  );
  // Two members back to back: the first ends early and its trailer is right.
  const two = Buffer.concat([gzipSync(Buffer.from('one')), gzipSync(Buffer.from('two'))]);
  assert.equal(contentStreamValid('gzip', two), true);
});

test('a zip local header followed by a deflate entry is valid', () => {
  const name = Buffer.from('log.txt');
  const data = deflateRawSync(text);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(text.length, 22);
  header.writeUInt16LE(name.length, 26);
  const central = Buffer.from([0x50, 0x4b, 0x01, 0x02, 0, 0, 0, 0]);
  assert.equal(contentStreamValid('zip', Buffer.concat([header, name, data, central])), true);
  assert.equal(
    contentStreamValid('zip', Buffer.concat([header, name, data]).subarray(0, 200)),
    true,
  );
});

test('random bytes behind a magic are not a stream', () => {
  let passed = 0;
  for (let i = 0; i < 500; i++) {
    const b = seededBytes(1024, 1000 + i);
    b.set([0x1f, 0x8b, 0x08, 0x00]);
    if (contentStreamValid('gzip', b) === true) passed++;
  }
  assert.equal(passed, 0);
  const badFlags = gzipSync(text);
  badFlags[3] = 0xe0;
  assert.equal(contentStreamValid('gzip', badFlags), false);
});

test('unchecked formats and short inputs give null', () => {
  assert.equal(contentStreamValid('zstd', seededBytes(100, 1)), null);
  assert.equal(contentStreamValid('gzip', Uint8Array.from([0x1f, 0x8b, 8, 0])), null);
  const stored = Buffer.alloc(40);
  stored.set([0x50, 0x4b, 3, 4]);
  assert.equal(contentStreamValid('zip', stored), null, 'method 0 (stored) is not checked');
});

test('property: never throws', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<'gzip' | 'zip' | 'png'>('gzip', 'zip', 'png'),
      fc.uint8Array({ maxLength: 1200 }),
      (magic, tail) => {
        const b = new Uint8Array(tail.length + 4);
        b.set(magic === 'gzip' ? [0x1f, 0x8b, 8, 0] : [0x50, 0x4b, 3, 4]);
        b.set(tail, 4);
        const r = contentStreamValid(magic, b);
        assert.ok(r === null || typeof r === 'boolean');
      },
    ),
    { numRuns: 300 },
  );
});
