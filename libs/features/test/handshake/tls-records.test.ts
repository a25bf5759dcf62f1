import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { recogniseTlsStream } from '../../src/handshake/tls.js';
import { captureTls } from './capture.js';
import { assertSplits, concat, recognise, u16be, u24be } from './helpers.js';

const TCP = { transport: 'tcp', dstPort: 4443 } as const;

/** RFC 6101 App. E.1 / RFC 5246 App. E.2: SSL 2.0 CLIENT-HELLO with a TLS 1.0 version. */
function sslv2Hello(): Uint8Array {
  const specs = [0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x01, 0x00, 0x80];
  const challenge = randomBytes(16);
  const body = concat([1, 0x03, 0x01], u16be(specs.length), u16be(0), u16be(16), specs, challenge);
  return concat([0x80 | (body.length >> 8), body.length & 0xff], body);
}

/** RFC 8446 §5.1: a handshake message may be fragmented over several records. */
function fragment(records: Uint8Array, at: number): Uint8Array {
  const hs = records.subarray(5, 5 + (((records[3] ?? 0) << 8) | (records[4] ?? 0)));
  const a = hs.subarray(0, at);
  const b = hs.subarray(at);
  return concat([0x16, 0x03, 0x01], u16be(a.length), a, [0x16, 0x03, 0x01], u16be(b.length), b);
}

describe('TLS records', () => {
  it('SSL 2.0-compatible ClientHello', () => {
    const h = sslv2Hello();
    const info = recognise(h, null, TCP);
    assert.equal(info.protocol, 'tls');
    assert.equal(info.details.record, 'sslv2');
    assert.equal(info.version, 'TLS1.0');
    assertSplits(h, TCP, 'tls', 5);
    const wrongChallenge = Buffer.from(h);
    wrongChallenge[10] = 8; // challenge length below 16
    assert.equal(recogniseTlsStream(wrongChallenge), null);
  });

  it('a ClientHello fragmented over two records is joined before parsing', async () => {
    const c = await captureTls({ servername: 'frag.test', alpn: ['h2'] });
    const len = ((c.initiator[3] ?? 0) << 8) | (c.initiator[4] ?? 0);
    const whole = c.initiator.subarray(0, 5 + len);
    for (const at of [1, 4, 40, 100]) {
      const r = recogniseTlsStream(fragment(whole, at));
      assert.equal(r?.sni, 'frag.test', `split at ${at}`);
      assert.equal(r?.ja4, recogniseTlsStream(whole)?.ja4);
    }
  });

  it('HelloRetryRequest is told apart from ServerHello (RFC 8446 §4.1.3)', () => {
    const hrrRandom = Buffer.from(
      'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
      'hex',
    );
    const exts = concat(
      u16be(0x002b),
      u16be(2),
      [0x03, 0x04],
      u16be(0x0033),
      u16be(2),
      [0x00, 0x1d],
    );
    const body = concat([0x03, 0x03], hrrRandom, [0], [0x13, 0x01], [0], u16be(exts.length), exts);
    const hs = concat([2], u24be(body.length), body);
    const rec = concat([0x16, 0x03, 0x03], u16be(hs.length), hs);
    const r = recogniseTlsStream(rec);
    assert.equal(r?.details?.message, 'hello_retry_request');
    assert.equal(r?.version, 'TLS1.3');
  });

  it('application data mid-stream: records that chain, or one cut by the prefix bound', () => {
    const app = (n: number) => concat([0x17, 0x03, 0x03], u16be(n), randomBytes(n));
    const two = concat(app(100), app(60));
    assert.equal(recogniseTlsStream(two)?.details?.message, 'application_data');
    // A 16 KiB record cut at the 1 KiB prefix bound is the usual mid-stream case.
    assert.equal(recogniseTlsStream(app(16000).subarray(0, 1024))?.details?.truncated, 'true');
    // A whole record followed by bytes that are not a record header is not TLS framing.
    assert.equal(recogniseTlsStream(concat(app(100), [0x99], randomBytes(20))), null);
  });

  it('rejects wrong record versions, oversized lengths, and inconsistent hellos', () => {
    const hello = concat(
      [0x16, 0x03, 0x01],
      u16be(10),
      [1],
      u24be(6),
      [0x03, 0x03],
      randomBytes(4),
    );
    assert.equal(recogniseTlsStream(hello), null);
    assert.equal(recogniseTlsStream(concat([0x16, 0x02, 0x01], u16be(40), randomBytes(40))), null);
    assert.equal(recogniseTlsStream(concat([0x16, 0x03, 0x05], u16be(40), randomBytes(40))), null);
    assert.equal(
      recogniseTlsStream(concat([0x16, 0x03, 0x01], u16be(0x7000), randomBytes(40))),
      null,
    );
    assert.equal(recogniseTlsStream(Buffer.from('GET / HTTP/1.1\r\n')), null);
  });
});
