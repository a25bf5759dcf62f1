import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { detectContentMagic } from '../../src/handshake/index.js';
import { tap } from './capture.js';
import { assertSplits, recognise } from './helpers.js';

/** A real node:http exchange over loopback: plain request, gzip-encoded response. */
async function captureHttp(): Promise<{ initiator: Buffer; responder: Buffer }> {
  const body = gzipSync(Buffer.from('{"flows":[]}'.repeat(100)));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    return await tap(port, async (tapPort) => {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: tapPort, path: '/v1/flows', agent: false },
          resolve,
        );
        req.on('error', reject);
      });
      res.resume();
      await once(res, 'end');
    });
  } finally {
    server.close();
  }
}

describe('HTTP from node:http', () => {
  it('request and gzip response: http, with gzip content behind the header', async () => {
    const c = await captureHttp();
    const info = recognise(c.initiator, c.responder, { transport: 'tcp', dstPort: 31000 });
    assert.equal(info.protocol, 'http');
    assert.equal(info.keyExchange, false);
    assert.equal(info.details.method, 'GET');
    assert.equal(info.details['responder.status'], '200');
    assert.equal(detectContentMagic(c.responder), 'gzip');
    assertSplits(c.initiator, { transport: 'tcp', dstPort: 31000 }, 'http', 4);
    assertSplits(c.responder, { transport: 'tcp', dstPort: 31000 }, 'http', 5, 'rev');
  });
});
