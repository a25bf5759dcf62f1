import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { recogniseTlsStream } from '../../src/handshake/tls.js';
import { concat, u16be, u24be } from './helpers.js';

// A published JA4 with its raw (ja4_r) and original-order (ja4_ro) forms, as reported by
// browserleaks.com for Chrome 143 on Android (quoted in service0427/v2_cp_app tls.md):
//   ja4    t13d1516h2_8daaf6152771_d8a2da3f94cd
//   ja4_ro t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035
//          _002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b
//          _0403,0804,0401,0503,0805,0501,0806,0601
const JA4 = 't13d1516h2_8daaf6152771_d8a2da3f94cd';
const CIPHERS = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
  0x009d, 0x002f, 0x0035,
];
const EXTENSIONS = [
  0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023,
  0x0012, 0x0005, 0x000d, 0x001b,
];
const SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

function ext(type: number, body: Uint8Array | number[]): Uint8Array {
  return concat(u16be(type), u16be(body.length), body);
}

function vec16(items: number[]): number[] {
  return [...u16be(items.length * 2), ...items.flatMap(u16be)];
}

/** A ClientHello with the published lists in wire order, plus GREASE as Chrome sends it. */
function chromeLikeHello(): Uint8Array {
  const host = Buffer.from('tls.browserleaks.com');
  const bodies: Record<number, Uint8Array | number[]> = {
    0x0000: concat(u16be(host.length + 3), [0], u16be(host.length), host),
    0x0010: concat(u16be(3), [2], 'h2'),
    0x000d: vec16(SIGALGS),
    0x002b: [6, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03],
  };
  const exts = [
    ext(0x4a4a, []),
    ...EXTENSIONS.map((t) => ext(t, bodies[t] ?? [0])),
    ext(0xbaba, [0]),
  ];
  const body = concat(
    [0x03, 0x03],
    Buffer.alloc(32, 7),
    [32],
    Buffer.alloc(32, 9),
    vec16([0x2a2a, ...CIPHERS]),
    [1, 0],
    u16be(exts.reduce((n, e) => n + e.length, 0)),
    ...exts,
  );
  const hs = concat([1], u24be(body.length), body);
  return concat([0x16, 0x03, 0x01], u16be(hs.length), hs);
}

describe('JA4', () => {
  it('reproduces a published JA4 from its ClientHello lists, ignoring GREASE', () => {
    const r = recogniseTlsStream(chromeLikeHello());
    assert.equal(r?.ja4, JA4);
    assert.equal(r?.sni, 'tls.browserleaks.com');
  });

  it('hashes are sha256 of the sorted lists, truncated to 12 hex (JA4 spec, ja4_r)', () => {
    const b = [...CIPHERS]
      .sort((x, y) => x - y)
      .map((c) => c.toString(16).padStart(4, '0'))
      .join(',');
    assert.equal(createHash('sha256').update(b).digest('hex').slice(0, 12), '8daaf6152771');
  });

  it('an IP address in the SNI counts as no domain ("i")', () => {
    const hello = Buffer.from(chromeLikeHello());
    const name = Buffer.from('tls.browserleaks.com');
    const at = hello.indexOf(name);
    hello.set(Buffer.from('192.168.100.200.1'.slice(0, 15).padEnd(name.length, ' ')), at);
    // Keep the name a valid IPv4 literal: rewrite the SNI length to 15.
    hello.writeUInt16BE(15, at - 2);
    const r = recogniseTlsStream(hello);
    assert.ok(r?.ja4?.startsWith('t13i'), r?.ja4 ?? 'null');
  });

  it('is null when the hello is cut before its extensions end', () => {
    const full = chromeLikeHello();
    const r = recogniseTlsStream(full.subarray(0, full.length - 10));
    assert.equal(r?.protocol, 'tls');
    assert.equal(r?.ja4, null);
    assert.equal(r?.details?.truncated, 'true');
  });
});
