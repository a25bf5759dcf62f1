import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { recogniseHandshake } from '../../src/handshake/index.js';
import { captureTls } from './capture.js';
import { recognise } from './helpers.js';

describe('combining the two directions', () => {
  it('nothing recognised: protocol none, no key exchange, no details', () => {
    for (const [i, r] of [
      [null, null],
      [new Uint8Array(0), new Uint8Array(0)],
      [randomBytes(300), randomBytes(300)],
    ] as const) {
      const info = recogniseHandshake({
        initiator: i,
        responder: r,
        transport: 'tcp',
        srcPort: 1,
        dstPort: 2,
      });
      assert.equal(info.protocol, 'none');
      assert.equal(info.keyExchange, false);
      assert.equal(info.seenIn, null);
      assert.deepEqual(info.details, {});
    }
  });

  it('ClientHello gives SNI/ALPN/JA4, ServerHello the negotiated version; confidence is reported', async () => {
    const c = await captureTls({
      maxVersion: 'TLSv1.2',
      servername: 'merge.test',
      alpn: ['http/1.1'],
    });
    const info = recognise(c.initiator, c.responder, { transport: 'tcp', dstPort: 9443 });
    assert.equal(info.seenIn, 'fwd');
    assert.equal(info.sni, 'merge.test');
    assert.equal(info.version, 'TLS1.2');
    // TLS 1.2 sends the ALPN choice in the clear (RFC 7301 §3.1): the server's pick wins.
    assert.deepEqual(info.alpn, ['http/1.1']);
    assert.equal(info.details.confidence, 'high');
    assert.equal(info.details['responder.message'], 'server_hello');
  });

  it('a random initiator against an SSH server is seen in the responder only', () => {
    const info = recognise(randomBytes(200), Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), {
      transport: 'tcp',
      dstPort: 2222,
    });
    assert.equal(info.protocol, 'ssh');
    assert.equal(info.seenIn, 'rev');
  });

  it('transport decides which recognisers run: QUIC bytes over TCP are not QUIC', () => {
    const quicLike = Buffer.concat([
      Buffer.from([0xc3, 0, 0, 0, 1, 8]),
      randomBytes(8),
      Buffer.from([0]),
      randomBytes(80),
    ]);
    assert.equal(recognise(quicLike, null, { transport: 'udp', dstPort: 443 }).protocol, 'quic');
    assert.equal(recognise(quicLike, null, { transport: 'tcp', dstPort: 443 }).protocol, 'none');
  });
});
