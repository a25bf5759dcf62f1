import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Transport } from '@opaqueflow/flow-model';
import { detectContentMagic, recogniseHandshake } from '../../src/handshake/index.js';

const transports: Transport[] = ['tcp', 'udp', 'other'];
const KEY_EXCHANGE = new Set([
  'tls',
  'dtls',
  'quic',
  'gquic',
  'ssh',
  'wireguard',
  'openvpn',
  'ike',
  'starttls',
]);
// Ports where recognisers relax their checks: the likeliest places for a false match.
const ports = [22, 53, 123, 161, 443, 500, 1194, 3389, 3478, 4500, 5432, 25826, 51820, 40000];

/** Seeded xorshift so the random-bytes rate test is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) & 0xff;
  };
}

describe('hostile bytes', () => {
  it('never throws, always returns a well-formed HandshakeInfo (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.uint8Array({ maxLength: 1200 })),
        fc.option(fc.uint8Array({ maxLength: 1200 })),
        fc.constantFrom(...transports),
        fc.constantFrom(...ports),
        fc.constantFrom(...ports),
        (initiator, responder, transport, srcPort, dstPort) => {
          const info = recogniseHandshake({ initiator, responder, transport, srcPort, dstPort });
          assert.equal(typeof info.protocol, 'string');
          // keyExchange is exactly the encrypted-channel protocols (the brief's contract).
          assert.equal(info.keyExchange, KEY_EXCHANGE.has(info.protocol), info.protocol);
          assert.ok(Array.isArray(info.alpn));
          if (initiator !== null) detectContentMagic(initiator);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('structured prefixes mutated byte by byte never throw', () => {
    const seeds = [
      Buffer.from('160301002e0100002a0303' + '00'.repeat(32) + '000002130101000000', 'hex'),
      Buffer.from('SSH-2.0-x\r\n\x00\x00\x00\x3c\x06\x14', 'latin1'),
      Buffer.from('c000000001088394c8f03e5157080000449e7b9aec34', 'hex'),
      Buffer.from('EHLO a\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05', 'latin1'),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(200),
        (seed, edits, cut) => {
          const b = Buffer.from(seed);
          for (const [at, v] of edits) b[at % b.length] = v;
          for (const t of transports) {
            recogniseHandshake({
              initiator: b.subarray(0, cut),
              responder: b,
              transport: t,
              srcPort: 443,
              dstPort: 25,
            });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('large hostile prefixes are walked within fixed bounds', () => {
    const mb = 1 << 20;
    const records = Buffer.alloc(mb);
    for (let p = 0; p + 6 <= mb; p += 6) records.set([0x16, 0x03, 0x01, 0x00, 0x01, 0x01], p);
    const lines = Buffer.from('220-x\r\n'.repeat(mb / 7));
    const ts = Buffer.alloc(mb, 0x47);
    for (const b of [records, lines, ts]) {
      for (const transport of transports) {
        const info = recogniseHandshake({
          initiator: b,
          responder: b,
          transport,
          srcPort: 25,
          dstPort: 443,
        });
        assert.equal(typeof info.protocol, 'string');
      }
    }
  });

  it('random payloads (what an opaque channel sends) are almost never taken for a protocol', () => {
    const next = prng(0x5eed);
    let recognised = 0;
    const flows = 20000;
    const seen: Record<string, number> = {};
    for (let i = 0; i < flows; i++) {
      const len = [16, 40, 64, 148, 300, 1024][i % 6] ?? 64;
      const bytes = (n: number) => Uint8Array.from({ length: n }, next);
      const info = recogniseHandshake({
        initiator: bytes(len),
        responder: i % 2 === 0 ? bytes(len) : null,
        transport: transports[i % 3] ?? 'tcp',
        srcPort: 40000 + (i % 1000),
        dstPort: ports[i % ports.length] ?? 443,
      });
      if (info.protocol !== 'none') {
        recognised++;
        seen[info.protocol] = (seen[info.protocol] ?? 0) + 1;
      }
    }
    // Each false match hides an opaque flow; the bar is under 1 in 2000 flows.
    assert.ok(recognised <= flows / 2000, `recognised ${recognised}: ${JSON.stringify(seen)}`);
  });
});
