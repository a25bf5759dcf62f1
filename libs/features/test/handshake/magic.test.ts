import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { detectContentMagic } from '../../src/handshake/index.js';
import { concat } from './helpers.js';

const text = Buffer.from('opaqueflow '.repeat(200));

describe('content magic', () => {
  it('gzip from node:zlib, raw and behind an HTTP response header (also chunked)', () => {
    const gz = gzipSync(text);
    assert.equal(detectContentMagic(gz), 'gzip');
    const http = concat('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n', gz);
    assert.equal(detectContentMagic(http), 'gzip');
    const chunked = concat(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      gz.length.toString(16),
      '\r\n',
      gz,
    );
    assert.equal(detectContentMagic(chunked), 'gzip');
  });

  it('brotli has no magic: the response header names it (RFC 9110 §8.4)', () => {
    const br = brotliCompressSync(text);
    assert.equal(detectContentMagic(br), null);
    const http = concat('HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 9\r\n\r\n', br);
    assert.equal(detectContentMagic(http), 'brotli');
    // A header cut before its end still tells the encoding.
    assert.equal(detectContentMagic(http.subarray(0, 45)), 'brotli');
  });

  it('archive, image, video and document signatures from their specifications', () => {
    const cases: [string, Uint8Array][] = [
      ['zip', concat([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00], randomBytes(40))],
      ['zstd', concat([0x28, 0xb5, 0x2f, 0xfd], randomBytes(40))],
      ['xz', concat([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], randomBytes(40))],
      ['bzip2', concat('BZh9', [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], randomBytes(40))],
      ['7z', concat([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], randomBytes(40))],
      ['rar', concat('Rar!\x1a\x07\x01\x00', randomBytes(40))],
      ['png', concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], randomBytes(40))],
      ['jpeg', concat([0xff, 0xd8, 0xff, 0xe0], randomBytes(40))],
      ['gif', concat('GIF89a', randomBytes(40))],
      ['webp', concat('RIFF', [0x24, 0x10, 0, 0], 'WEBPVP8 ', randomBytes(40))],
      ['mp4', concat([0, 0, 0, 0x20], 'ftypisom', randomBytes(40))],
      ['pdf', concat('%PDF-1.7\n', randomBytes(40))],
    ];
    for (const [name, bytes] of cases) assert.equal(detectContentMagic(bytes), name, name);
  });

  it('random bytes, raw deflate, text and truncated signatures are not content', () => {
    assert.equal(detectContentMagic(deflateRawSync(text)), null);
    assert.equal(detectContentMagic(Buffer.from('BZhX')), null);
    assert.equal(detectContentMagic(Buffer.from([0x1f, 0x8b])), null);
    assert.equal(detectContentMagic(Buffer.from('HTTP/1.1 200 OK\r\n\r\nhello')), null);
    let hits = 0;
    for (let i = 0; i < 2000; i++) if (detectContentMagic(randomBytes(64)) !== null) hits++;
    // jpeg's 3-byte signature alone is 1 in 2^24: a hit in 2000 draws would be a bug.
    assert.equal(hits, 0);
  });
});
