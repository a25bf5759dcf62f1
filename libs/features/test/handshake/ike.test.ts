import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertSplits, concat, recognise, u32be } from './helpers.js';

const UDP500 = { transport: 'udp', srcPort: 500, dstPort: 500 } as const;
const UDP4500 = { transport: 'udp', srcPort: 4500, dstPort: 4500 } as const;

/** RFC 7296 §3.1 IKE header + a generic payload; total length covers the datagram. */
function ikeV2SaInit(): Uint8Array {
  const body = concat([0, 0], [0, 44], randomBytes(40)); // SA payload header + body
  const len = 28 + body.length;
  return concat(randomBytes(8), Buffer.alloc(8), [33, 0x20, 34, 0x08], u32be(0), u32be(len), body);
}

/** RFC 2408 §3.1 ISAKMP header, main mode (identity protection, exchange 2). */
function ikeV1MainMode(): Uint8Array {
  const body = randomBytes(52);
  return concat(
    randomBytes(8),
    Buffer.alloc(8),
    [1, 0x10, 2, 0],
    u32be(0),
    u32be(28 + body.length),
    body,
  );
}

describe('IKE', () => {
  it('IKEv2 IKE_SA_INIT and IKEv1 main mode on UDP 500', () => {
    const v2 = ikeV2SaInit();
    const a = recognise(v2, null, UDP500);
    assert.equal(a.protocol, 'ike');
    assert.equal(a.version, 'IKEv2');
    assert.equal(a.details.exchange, 'IKE_SA_INIT');
    assertSplits(v2, UDP500, 'ike', 19);
    const v1 = ikeV1MainMode();
    const b = recognise(v1, null, UDP500);
    assert.equal(b.version, 'IKEv1');
    assert.equal(b.details.exchange, 'identity_protection');
  });

  it('UDP 4500: non-ESP marker, NAT-T keepalive, ESP', () => {
    const marked = concat([0, 0, 0, 0], ikeV2SaInit());
    const a = recognise(marked, null, UDP4500);
    assert.equal(a.protocol, 'ike');
    assert.equal(a.details.nonEspMarker, 'true');
    assert.equal(recognise(Buffer.from([0xff]), null, UDP4500).details.message, 'nat_keepalive');
    const esp = concat(u32be(0x1234abcd), u32be(1), randomBytes(80));
    assert.equal(recognise(esp, null, UDP4500).details.message, 'esp');
  });

  it('rejects a zero initiator SPI, unknown versions and exchanges, and wrong lengths', () => {
    const good = ikeV2SaInit();
    const zeroSpi = Buffer.from(good);
    zeroSpi.fill(0, 0, 8);
    assert.equal(recognise(zeroSpi, null, UDP500).protocol, 'none');
    const v3 = Buffer.from(good);
    v3[17] = 0x30;
    assert.equal(recognise(v3, null, UDP500).protocol, 'none');
    const ex = Buffer.from(good);
    ex[18] = 99;
    assert.equal(recognise(ex, null, UDP500).protocol, 'none');
    const longer = concat(good, [0, 0, 0, 0]);
    assert.equal(recognise(longer, null, UDP500).protocol, 'none');
    assert.equal(recognise(Buffer.from([0xff]), null, UDP500).protocol, 'none');
  });
});
