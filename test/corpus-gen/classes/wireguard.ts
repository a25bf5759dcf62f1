// WireGuard messages per the protocol paper and wireguard.com/protocol: a real
// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake (initiation 148 bytes, response 92), the
// cookie reply (64) a loaded responder sends, and transport data, over real UDP sockets.
import { scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import {
  aeadSeal,
  blake2s,
  hash,
  kdf,
  x25519,
  x25519FromSeed,
  xaeadSeal,
  type X25519Key,
} from './primitives.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const CONSTRUCTION = Buffer.from('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
const IDENTIFIER = Buffer.from('WireGuard v1 zx2c4 Jason@zx2c4.com');
const LABEL_MAC1 = Buffer.from('mac1----');
const LABEL_COOKIE = Buffer.from('cookie--');
const EMPTY = Buffer.alloc(0);

function header(type: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b[0] = type; // then three reserved zero bytes
  return b;
}

/** TAI64N label: 2^62 + seconds, then nanoseconds, big-endian. */
function tai64n(unixSeconds: number, nanos: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeBigUInt64BE(0x4000000000000000n + BigInt(unixSeconds), 0);
  b.writeUInt32BE(nanos, 8);
  return b;
}

/** mac1 over everything before it; mac2 over everything before it, zero without a cookie. */
function addMacs(msg: Buffer, responderStatic: Buffer, cookie: Buffer | null): void {
  const mac1At = msg.length - 32;
  blake2s(msg.subarray(0, mac1At), 16, hash(LABEL_MAC1, responderStatic)).copy(msg, mac1At);
  if (cookie) blake2s(msg.subarray(0, mac1At + 16), 16, cookie).copy(msg, mac1At + 16);
}

export interface Peer {
  readonly static: X25519Key;
  readonly index: number;
}

export interface InitiationState {
  readonly msg: Buffer;
  readonly ephemeral: X25519Key;
  readonly chain: Buffer;
  readonly hash: Buffer;
}

export function initiation(
  rng: Rng,
  i: Peer,
  responderStatic: Buffer,
  now: number,
  cookie: Buffer | null,
): InitiationState {
  let c = hash(CONSTRUCTION);
  let h = hash(c, IDENTIFIER);
  h = hash(h, responderStatic);
  const e = x25519FromSeed(rng.bytes(32));
  [c] = kdf(1, c, e.publicRaw) as [Buffer];
  h = hash(h, e.publicRaw);
  let k: Buffer;
  [c, k] = kdf(2, c, x25519(e, responderStatic)) as [Buffer, Buffer];
  const encStatic = aeadSeal(k, 0n, i.static.publicRaw, h);
  h = hash(h, encStatic);
  [c, k] = kdf(2, c, x25519(i.static, responderStatic)) as [Buffer, Buffer];
  const encTime = aeadSeal(k, 0n, tai64n(now, rng.int(0, 999_999_999)), h);
  h = hash(h, encTime);
  const msg = header(1, 148);
  msg.writeUInt32LE(i.index, 4);
  e.publicRaw.copy(msg, 8);
  encStatic.copy(msg, 40);
  encTime.copy(msg, 88);
  addMacs(msg, responderStatic, cookie);
  return { msg, ephemeral: e, chain: c, hash: h };
}

/** The responder's side of IKpsk2 (psk all zeros), returning its message and transport keys. */
export function response(
  rng: Rng,
  r: Peer,
  init: InitiationState,
  initiatorStatic: Buffer,
  initiatorIndex: number,
): { msg: Buffer; sendKey: Buffer; recvKey: Buffer } {
  let c = init.chain;
  let h = init.hash;
  const e = x25519FromSeed(rng.bytes(32));
  [c] = kdf(1, c, e.publicRaw) as [Buffer];
  h = hash(h, e.publicRaw);
  [c] = kdf(1, c, x25519(e, init.ephemeral.publicRaw)) as [Buffer];
  [c] = kdf(1, c, x25519(e, initiatorStatic)) as [Buffer];
  const [c2, tau, k] = kdf(3, c, Buffer.alloc(32)) as [Buffer, Buffer, Buffer];
  h = hash(h, tau);
  const empty = aeadSeal(k, 0n, EMPTY, h);
  const msg = header(2, 92);
  msg.writeUInt32LE(r.index, 4);
  msg.writeUInt32LE(initiatorIndex, 8);
  e.publicRaw.copy(msg, 12);
  empty.copy(msg, 44);
  addMacs(msg, r.static.publicRaw, null);
  const [initiatorSend, responderSend] = kdf(2, c2, EMPTY) as [Buffer, Buffer];
  return { msg, sendKey: responderSend, recvKey: initiatorSend };
}

/** Cookie reply: the cookie, sealed with XChaCha20-Poly1305 under the initiation's mac1. */
function cookieReply(
  rng: Rng,
  responderStatic: Buffer,
  initiatorIndex: number,
  init: Buffer,
  cookie: Buffer,
): Buffer {
  const msg = header(3, 64);
  msg.writeUInt32LE(initiatorIndex, 4);
  const nonce = rng.bytes(24);
  nonce.copy(msg, 8);
  const mac1 = init.subarray(116, 132);
  xaeadSeal(hash(LABEL_COOKIE, responderStatic), nonce, cookie, mac1).copy(msg, 32);
  return msg;
}

/** Transport data: an inner IP packet padded to 16 bytes, sealed with the counter as nonce. */
function transport(key: Buffer, receiverIndex: number, counter: bigint, inner: Buffer): Buffer {
  const padded = Buffer.concat([inner, Buffer.alloc((16 - (inner.length % 16)) % 16)]);
  const head = header(4, 16);
  head.writeUInt32LE(receiverIndex, 4);
  head.writeBigUInt64LE(counter, 8);
  return Buffer.concat([head, aeadSeal(key, counter, padded, EMPTY)]);
}

/** A plausible inner IPv4 packet (the tunnel's traffic) of `size` bytes. */
function innerPacket(rng: Rng, size: number): Buffer {
  const p = rng.bytes(Math.max(size, 28));
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p[8] = 64;
  p[9] = 6;
  return p;
}

async function wireguardFlow(ctx: FlowContext): Promise<FlowOutcome> {
  const { rng } = ctx;
  const initiator: Peer = { static: x25519FromSeed(rng.bytes(32)), index: rng.int(1, 0xffffffff) };
  const responder: Peer = { static: x25519FromSeed(rng.bytes(32)), index: rng.int(1, 0xffffffff) };
  const now = 1_767_225_600 + ctx.index;
  const steps: ScriptStep[] = [];
  // One flow in three meets a responder under load: cookie reply, then a retried initiation.
  const underLoad = ctx.index % 3 === 1;
  let init = initiation(rng, initiator, responder.static.publicRaw, now, null);
  if (underLoad) {
    const cookie = blake2s(Buffer.from(`10.0.0.${ctx.index}:51820`), 16, rng.bytes(32));
    steps.push({ from: 'client', data: init.msg });
    steps.push({
      from: 'server',
      data: cookieReply(rng, responder.static.publicRaw, initiator.index, init.msg, cookie),
    });
    init = initiation(rng, initiator, responder.static.publicRaw, now + 1, cookie);
  }
  steps.push({ from: 'client', data: init.msg });
  const res = response(rng, responder, init, initiator.static.publicRaw, initiator.index);
  steps.push({ from: 'server', data: res.msg });
  const counters = { client: 0n, server: 0n };
  const exchanges = rng.int(3, 8);
  for (let n = 0; n < exchanges; n++) {
    steps.push({
      from: 'client',
      data: transport(
        res.recvKey,
        responder.index,
        counters.client++,
        innerPacket(rng, rng.int(40, 300)),
      ),
    });
    steps.push({
      from: 'server',
      data: transport(
        res.sendKey,
        initiator.index,
        counters.server++,
        innerPacket(rng, rng.int(40, 1380)),
      ),
    });
  }
  // A keepalive is an empty transport message: 32 bytes on the wire.
  steps.push({
    from: 'client',
    data: transport(res.recvKey, responder.index, counters.client, EMPTY),
  });
  return {
    transcript: await scriptedUdp(steps),
    detail: `${underLoad ? 'cookie reply and retried initiation, ' : ''}${exchanges} data exchanges and a keepalive`,
  };
}

export const wireguardClasses: readonly FlowClass[] = [
  {
    name: 'wireguard-51820',
    label: 'wireguard',
    transport: 'udp',
    ports: [51820],
    ipv6: true,
    reproducible: true,
    description:
      'WireGuard on 51820: Noise IKpsk2 handshake (X25519, ChaCha20-Poly1305, BLAKE2s), transport data, keepalive',
    make: wireguardFlow,
  },
  {
    name: 'wireguard-odd-port',
    label: 'wireguard',
    transport: 'udp',
    ports: [41641, 2408, 443, 53],
    ipv6: true,
    reproducible: true,
    description: 'WireGuard on other ports (Tailscale 41641, WARP 2408, 443, 53), same messages',
    make: wireguardFlow,
  },
];
