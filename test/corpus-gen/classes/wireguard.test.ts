import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { Rng } from '../rng.js';
import { blake2s, hash, kdf, x25519, x25519FromSeed } from './primitives.js';
import { initiation, response, type Peer } from './wireguard.js';

function open(key: Buffer, sealed: Buffer, ad: Buffer): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  d.setAAD(ad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(-16));
  return Buffer.concat([d.update(sealed.subarray(0, -16)), d.final()]);
}

test('the initiator completes the IKpsk2 handshake from the response and agrees on keys', () => {
  const rng = new Rng('wg-test', 'handshake');
  const i: Peer = { static: x25519FromSeed(rng.bytes(32)), index: 7 };
  const r: Peer = { static: x25519FromSeed(rng.bytes(32)), index: 9 };
  const init = initiation(rng, i, r.static.publicRaw, 1_767_225_600, null);
  assert.equal(init.msg.length, 148);
  assert.deepEqual([...init.msg.subarray(0, 4)], [1, 0, 0, 0]);
  // mac1 is keyed by the responder's public key, as a responder checks it before any DH.
  const mac1Key = hash(Buffer.from('mac1----'), r.static.publicRaw);
  assert.ok(blake2s(init.msg.subarray(0, 116), 16, mac1Key).equals(init.msg.subarray(116, 132)));
  assert.ok(init.msg.subarray(132).equals(Buffer.alloc(16)), 'no cookie, no mac2');

  const res = response(rng, r, init, i.static.publicRaw, i.index);
  assert.equal(res.msg.length, 92);
  assert.equal(res.msg.readUInt32LE(8), i.index);
  // The initiator's side, written from the protocol description, independent of response().
  const er = res.msg.subarray(12, 44);
  let c = kdf(1, init.chain, er)[0]!;
  let h = hash(init.hash, er);
  c = kdf(1, c, x25519(init.ephemeral, er))[0]!;
  c = kdf(1, c, x25519(i.static, er))[0]!;
  const [c2, tau, k] = kdf(3, c, Buffer.alloc(32)) as [Buffer, Buffer, Buffer];
  h = hash(h, tau);
  assert.equal(open(k, res.msg.subarray(44, 60), h).length, 0, 'encrypted nothing authenticates');
  const [send, recv] = kdf(2, c2, Buffer.alloc(0)) as [Buffer, Buffer];
  assert.ok(send.equals(res.recvKey));
  assert.ok(recv.equals(res.sendKey));
});
