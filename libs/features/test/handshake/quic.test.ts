import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { clientInitialKeys } from '../../src/handshake/quic-initial.js';
import { recogniseQuic } from '../../src/handshake/quic.js';
import { assertSplits, concat, hexBytes, recognise, u16be, u32be } from './helpers.js';

const UDP443 = { transport: 'udp', dstPort: 443 } as const;
const RFC9001_A2 = hexBytes(
  readFileSync(new URL('./fixtures/rfc9001-a2-client-initial.hex', import.meta.url), 'utf8'),
);
const DCID = hexBytes('8394c8f03e515708');

/** Seals a client Initial (RFC 9001 §5.3–5.4) with real AES-128-GCM and header protection. */
function sealInitial(version: number, dcid: Uint8Array, frames: Uint8Array, pn = 0): Uint8Array {
  const keys = clientInitialKeys(dcid, version);
  assert.ok(keys);
  const pnLen = 4;
  const payloadLen = Math.max(frames.length, 1162 - 22);
  const payload = Buffer.concat([frames, Buffer.alloc(payloadLen - frames.length)]);
  const typeBits = version === 0x6b3343cf ? 1 : 0;
  const first = 0xc0 | (typeBits << 4) | (pnLen - 1);
  const length = pnLen + payload.length + 16;
  const header = concat(
    [first],
    u32be(version),
    [dcid.length],
    dcid,
    [0],
    [0],
    u16be(0x4000 | length),
    u32be(pn),
  );
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 4; i++) nonce[11 - i] = (nonce[11 - i] ?? 0) ^ ((pn >>> (8 * i)) & 0xff);
  const gcm = createCipheriv('aes-128-gcm', keys.key, nonce);
  gcm.setAAD(header);
  const sealed = Buffer.concat([gcm.update(payload), gcm.final(), gcm.getAuthTag()]);
  const packet = Buffer.concat([header, sealed]);
  const pnOffset = header.length - pnLen;
  const mask = createCipheriv('aes-128-ecb', keys.hp, null).update(
    packet.subarray(pnOffset + 4, pnOffset + 20),
  );
  packet[0] = (packet[0] ?? 0) ^ ((mask[0] ?? 0) & 0x0f);
  for (let i = 0; i < pnLen; i++) {
    packet[pnOffset + i] = (packet[pnOffset + i] ?? 0) ^ (mask[1 + i] ?? 0);
  }
  return packet;
}

function cryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  return concat([0x06], u16be(0x4000 | offset), u16be(0x4000 | data.length), data);
}

// The ClientHello from RFC 9001 §A.2 (the CRYPTO frame's data: 0x01 … 241 bytes).
const CLIENT_HELLO = hexBytes(
  '010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d0017001800100007000504616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050306030203080408050806002d00020101001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff',
);

describe('QUIC', () => {
  it('derives the RFC 9001 §A.1 and RFC 9369 §A.1 client Initial keys', () => {
    const v1 = clientInitialKeys(DCID, 1);
    assert.equal(v1?.key.toString('hex'), '1f369613dd76d5467730efcbe3b1a22d');
    assert.equal(v1?.iv.toString('hex'), 'fa044b2f42a3fd3b46fb255c');
    assert.equal(v1?.hp.toString('hex'), '9f50449e04a0e810283a1e9933adedd2');
    const v2 = clientInitialKeys(DCID, 0x6b3343cf);
    assert.equal(v2?.key.toString('hex'), '8b1a0bc121284290a29e0971b5cd045d');
    assert.equal(v2?.iv.toString('hex'), '91f73e2351d8fa91660e909f');
    assert.equal(v2?.hp.toString('hex'), '45b95e15235d6f45a6b19cbcb0294ba9');
  });

  it('reads SNI, ALPN and a "q" JA4 from the RFC 9001 §A.2 protected client Initial', () => {
    const info = recognise(RFC9001_A2, null, UDP443);
    assert.equal(info.protocol, 'quic');
    assert.equal(info.keyExchange, true);
    assert.equal(info.sni, 'example.com');
    assert.deepEqual(info.alpn, ['alpn']);
    assert.equal(info.version, 'TLS1.3');
    assert.equal(info.details.quicVersion, 'v1');
    // 2 ciphers (1301, 1302), 11 extensions, SNI present, ALPN "alpn".
    assert.match(info.ja4 ?? '', /^q13d0211an_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('a prefix cut inside the Initial still decrypts what it holds', () => {
    const info = recognise(RFC9001_A2.subarray(0, 400), null, UDP443);
    assert.equal(info.sni, 'example.com');
    assertSplits(RFC9001_A2, UDP443, 'quic', 7);
  });

  it('QUIC v2 (RFC 9369): Initial sealed with real AES-GCM, ClientHello split over shuffled CRYPTO frames', () => {
    const frames = concat(
      [0x01],
      cryptoFrame(100, CLIENT_HELLO.subarray(100)),
      [0x00, 0x00],
      cryptoFrame(0, CLIENT_HELLO.subarray(0, 40)),
      [0x01],
      cryptoFrame(40, CLIENT_HELLO.subarray(40, 100)),
    );
    const packet = sealInitial(0x6b3343cf, randomBytes(8), frames, 1);
    const info = recognise(packet, null, UDP443);
    assert.equal(info.protocol, 'quic');
    assert.equal(info.details.quicVersion, 'v2');
    assert.equal(info.sni, 'example.com');
    assertSplits(packet, UDP443, 'quic', 7);
  });

  it('an Initial whose frames do not decrypt to a ClientHello is still QUIC by its header', () => {
    const packet = sealInitial(1, randomBytes(8), concat([0x01], randomBytes(50)));
    packet[packet.length - 1] = (packet[packet.length - 1] ?? 0) ^ 1;
    const info = recognise(packet, null, UDP443);
    assert.equal(info.protocol, 'quic');
    assert.equal(info.sni, null);
    assert.equal(info.details.packet, 'initial');
  });

  it('drafts, version negotiation and the server Handshake packet', () => {
    // RFC 9000 §17.2.1 version negotiation: version 0, then supported versions.
    const vn = concat(
      [0x80],
      u32be(0),
      [8],
      randomBytes(8),
      [8],
      randomBytes(8),
      u32be(1),
      u32be(0x6b3343cf),
      u32be(0xff00001d),
    );
    const r = recogniseQuic(vn);
    assert.equal(r?.details?.packet, 'version_negotiation');
    assert.equal(r?.details?.versions, 'v1,v2,draft-29');
    const draft = concat(
      [0xc3],
      u32be(0xff00001d),
      [8],
      randomBytes(8),
      [0],
      [0],
      u16be(0x4000 | 100),
      randomBytes(200),
    );
    assert.equal(recogniseQuic(draft)?.details?.quicVersion, 'draft-29');
    const handshake = concat(
      [0xe1],
      u32be(1),
      [0],
      [8],
      randomBytes(8),
      u16be(0x4000 | 50),
      randomBytes(60),
    );
    const h = recognise(null, handshake, UDP443);
    assert.equal(h.protocol, 'quic');
    assert.equal(h.details.packet, 'handshake');
    assert.equal(h.seenIn, 'rev');
  });

  it('Google QUIC: Q043 public header, Q046/Q050/T051 long headers', () => {
    // Q043: flags 0x0d (version + 8-byte CID + 1-byte packet number), CID, "Q043".
    const q043 = concat([0x0d], randomBytes(8), 'Q043', [1], randomBytes(100));
    const a = recognise(q043, null, UDP443);
    assert.equal(a.protocol, 'gquic');
    assert.equal(a.version, 'Q043');
    for (const v of ['Q046', 'Q050', 'T051']) {
      const p = concat([0xc3], v, [0x50], randomBytes(8), randomBytes(100));
      const r = recognise(p, null, UDP443);
      assert.equal(r.protocol, 'gquic', v);
      assert.equal(r.details.quicVersion, v);
      assertSplits(p, UDP443, 'gquic', 5);
    }
  });

  it('rejects short headers, a clear fixed bit, oversized connection ids and unknown versions', () => {
    assert.equal(recogniseQuic(concat([0x40], randomBytes(40))), null);
    assert.equal(recogniseQuic(concat([0x80], u32be(1), [8], randomBytes(60))), null);
    assert.equal(recogniseQuic(concat([0xc0], u32be(1), [21], randomBytes(60))), null);
    assert.equal(recogniseQuic(concat([0xc0], u32be(0x12345678), [8], randomBytes(60))), null);
    assert.equal(recogniseQuic(concat([0x0d], randomBytes(8), 'X043', randomBytes(20))), null);
  });
});
