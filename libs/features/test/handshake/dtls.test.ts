import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertSplits, concat, recognise, u16be, u24be } from './helpers.js';

const WEBRTC = { transport: 'udp', srcPort: 52000, dstPort: 61000 } as const;
const UDP_ODD = { transport: 'udp', srcPort: 40000, dstPort: 4433 } as const;

function ext(type: number, body: number[] | Uint8Array): Uint8Array {
  return concat(u16be(type), u16be(body.length), body);
}

/**
 * DTLS ClientHello (RFC 6347 §4.2.1/§4.3.2; RFC 9147 §5.3): 13-byte record header with
 * epoch/sequence, 12-byte handshake header with message_seq and fragment fields, cookie.
 */
function dtlsClientHello(opts: { srtp: boolean; v13: boolean; cookie: number }): Uint8Array {
  const exts = [
    ext(0x0000, concat(u16be(14), [0], u16be(11), 'webrtc.test')),
    ext(0x000a, [0, 2, 0, 0x1d]),
    ...(opts.srtp ? [ext(0x000e, [0, 2, 0, 1, 0])] : []),
    ...(opts.v13 ? [ext(0x002b, [2, 0xfe, 0xfc])] : []),
  ];
  const extBytes = concat(...exts);
  const body = concat(
    [0xfe, 0xfd],
    randomBytes(32),
    [0],
    [opts.cookie],
    randomBytes(opts.cookie),
    u16be(4),
    [0xc0, 0x2b, 0xc0, 0x2f],
    [1, 0],
    u16be(extBytes.length),
    extBytes,
  );
  const hs = concat([1], u24be(body.length), u16be(0), u24be(0), u24be(body.length), body);
  return concat([22, 0xfe, 0xfd], u16be(0), [0, 0, 0, 0, 0, 0], u16be(hs.length), hs);
}

describe('DTLS', () => {
  it('DTLS 1.2 ClientHello with use_srtp on media ports: DTLS-SRTP', () => {
    const p = dtlsClientHello({ srtp: true, v13: false, cookie: 0 });
    const info = recognise(p, null, WEBRTC);
    assert.equal(info.protocol, 'dtls');
    assert.equal(info.version, 'DTLS1.2');
    assert.equal(info.sni, 'webrtc.test');
    assert.equal(info.details.srtp, 'true');
    assert.match(info.ja4 ?? '', /^dd2d/);
    assertSplits(p, WEBRTC, 'dtls', 3);
  });

  it('DTLS 1.3 offer (supported_versions 0xfefc) with a cookie from HelloVerifyRequest', () => {
    const p = dtlsClientHello({ srtp: false, v13: true, cookie: 20 });
    const info = recognise(p, null, UDP_ODD);
    assert.equal(info.version, 'DTLS1.3');
    assert.equal(info.details.srtp, undefined);
    // HelloVerifyRequest (RFC 6347 §4.2.1): handshake type 3 from the server.
    const hvrBody = concat([0xfe, 0xff], [20], randomBytes(20));
    const hvrHs = concat(
      [3],
      u24be(hvrBody.length),
      u16be(0),
      u24be(0),
      u24be(hvrBody.length),
      hvrBody,
    );
    const hvr = concat([22, 0xfe, 0xff], u16be(0), [0, 0, 0, 0, 0, 0], u16be(hvrHs.length), hvrHs);
    const both = recognise(p, hvr, UDP_ODD);
    assert.equal(both.protocol, 'dtls');
    assert.equal(both.details['responder.message'], 'hello_verify_request');
  });

  it('rejects TLS record versions, bad types and later epochs that do not chain', () => {
    const p = Buffer.from(dtlsClientHello({ srtp: false, v13: false, cookie: 0 }));
    const tlsVersion = Buffer.from(p);
    tlsVersion[1] = 3;
    tlsVersion[2] = 3;
    assert.equal(recognise(tlsVersion, null, UDP_ODD).protocol, 'none');
    const badType = Buffer.from(p);
    badType[0] = 30;
    assert.equal(recognise(badType, null, UDP_ODD).protocol, 'none');
    const epoch = concat([23, 0xfe, 0xfd], u16be(1), randomBytes(6), u16be(500), randomBytes(60));
    assert.equal(recognise(epoch, null, UDP_ODD).protocol, 'none');
  });
});
