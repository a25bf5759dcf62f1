import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { recogniseSsh } from '../../src/handshake/ssh.js';
import { tap } from './capture.js';
import { assertSplits, concat, recognise, u32be } from './helpers.js';

const TCP22 = { transport: 'tcp', dstPort: 22 } as const;
const TCP_ODD = { transport: 'tcp', dstPort: 2222 } as const;

/** A real SSH banner exchange and KEXINIT between ssh2's client and server on loopback. */
async function captureSsh(): Promise<{ initiator: Buffer; responder: Buffer }> {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.reject());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    return await tap(port, async (tapPort) => {
      const client = new ssh2.Client();
      client.on('error', () => undefined);
      const done = new Promise<void>((resolve) => {
        client.on('handshake', () => resolve());
        setTimeout(resolve, 5000);
      });
      client.connect({ host: '127.0.0.1', port: tapPort, username: 'nobody', password: 'x' });
      await done;
      client.end();
    });
  } finally {
    server.close();
  }
}

describe('SSH', () => {
  it('recognises a real ssh2 banner + KEXINIT in both directions, with the software', async () => {
    const c = await captureSsh();
    const info = recognise(c.initiator, c.responder, TCP_ODD);
    assert.equal(info.protocol, 'ssh');
    assert.equal(info.keyExchange, true);
    assert.equal(info.version, '2.0');
    assert.match(info.details.software ?? '', /^ssh2js/);
    assert.equal(info.details.message, 'kexinit');
    assert.match(info.details.kex ?? '', /curve25519|diffie-hellman|ecdh/);
    assertSplits(c.initiator, TCP_ODD, 'ssh', 3);
    assertSplits(c.responder, TCP_ODD, 'ssh', 3, 'rev');

    // The banner went in an earlier packet: the prefix starts at the binary KEXINIT packet.
    const nl = c.initiator.indexOf(0x0a);
    const kexOnly = c.initiator.subarray(nl + 1);
    const k = recognise(kexOnly, null, TCP22);
    assert.equal(k.protocol, 'ssh');
    assert.equal(k.details.message, 'kexinit');
    assertSplits(kexOnly, TCP22, 'ssh', 6);
  });

  it('banner forms from RFC 4253 §4.2: comments, SSH-1.99, lines before the banner', () => {
    const r = recogniseSsh(Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n'));
    assert.equal(r?.details?.software, 'OpenSSH_9.6p1');
    assert.equal(recogniseSsh(Buffer.from('SSH-1.99-Cisco-1.25\r\n'))?.version, '1.99');
    const pre = recogniseSsh(Buffer.from('Welcome to the server\r\nSSH-2.0-dropbear_2022.83\r\n'));
    assert.equal(pre?.details?.software, 'dropbear_2022.83');
  });

  it('rejects look-alikes', () => {
    for (const s of [
      'SSH-3.0-x\r\n',
      'SSHX',
      'ssh-2.0-lower\r\n',
      'SSH-2.0-\x01bad\r\n',
      'GET / HTTP/1.1\r\n',
    ]) {
      assert.equal(recogniseSsh(Buffer.from(s, 'latin1')), null, s);
    }
    // KEXINIT-shaped packet with a bad padding length and one with a non-ASCII name-list.
    const bad = concat(
      u32be(60),
      [2, 20],
      Buffer.alloc(16),
      u32be(5),
      'ab\x00cd',
      Buffer.alloc(40),
    );
    assert.equal(recogniseSsh(bad), null);
    const bin = concat(
      u32be(60),
      [8, 20],
      Buffer.alloc(16),
      u32be(5),
      'ab\x00cd',
      Buffer.alloc(40),
    );
    assert.equal(recogniseSsh(bin), null);
  });
});
