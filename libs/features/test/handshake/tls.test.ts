import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recogniseHandshake } from '../../src/handshake/index.js';
import { recogniseTlsStream } from '../../src/handshake/tls.js';
import { captureTls, prefixes } from './capture.js';

function tcp(initiator: Uint8Array | null, responder: Uint8Array | null, dstPort = 443) {
  return recogniseHandshake({ initiator, responder, transport: 'tcp', srcPort: 50000, dstPort });
}

describe('TLS from a real node:tls handshake', () => {
  it('TLS 1.3 with SNI and ALPN: offer, negotiated version, SNI, ALPN, JA4', async () => {
    const c = await captureTls({ servername: 'example.test', alpn: ['h2', 'http/1.1'] });
    const info = tcp(c.initiator, c.responder);
    assert.equal(info.protocol, 'tls');
    assert.equal(info.keyExchange, true);
    assert.equal(info.version, 'TLS1.3');
    assert.equal(info.sni, 'example.test');
    // TLS 1.3 encrypts the server's ALPN choice (EncryptedExtensions): only the offer is visible.
    assert.deepEqual(info.alpn, ['h2', 'http/1.1']);
    assert.match(info.ja4 ?? '', /^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
    assert.equal(info.details['responder.message'], 'server_hello');
  });

  it('TLS 1.2 without SNI: version from the ServerHello, "i" in JA4', async () => {
    const c = await captureTls({ maxVersion: 'TLSv1.2', servername: '' });
    const client = recogniseTlsStream(c.initiator);
    assert.equal(client?.sni, null);
    assert.match(client?.ja4 ?? '', /^t12i\d{4}00_/);
    const info = tcp(c.initiator, c.responder, 8443);
    assert.equal(info.version, 'TLS1.2');
    assert.equal(info.sni, null);
    assert.deepEqual(info.alpn, []);
  });

  it('TLS 1.3 without SNI on an odd port', async () => {
    const c = await captureTls({ minVersion: 'TLSv1.3', servername: '' });
    const info = tcp(c.initiator, c.responder, 31337);
    assert.equal(info.version, 'TLS1.3');
    assert.equal(info.sni, null);
    assert.match(info.ja4 ?? '', /^t13i/);
  });

  it('the responder alone tells TLS (ServerHello)', async () => {
    const c = await captureTls({ servername: 'a.test' });
    const info = tcp(null, c.responder);
    assert.equal(info.protocol, 'tls');
    assert.equal(info.seenIn, 'rev');
    assert.equal(info.version, 'TLS1.3');
  });

  it('every first-packet cut of a real ClientHello from 3 bytes on is still TLS', async () => {
    const c = await captureTls({ servername: 'split.test', alpn: ['http/1.1'] });
    for (const p of prefixes(c.initiator)) {
      const info = tcp(p, null);
      if (p.length < 3) assert.equal(info.protocol, 'none', `cut ${p.length}`);
      else assert.equal(info.protocol, 'tls', `cut ${p.length}`);
    }
    for (const p of prefixes(c.responder)) {
      const info = tcp(null, p);
      if (p.length >= 3) assert.equal(info.protocol, 'tls', `server cut ${p.length}`);
    }
  });
});
