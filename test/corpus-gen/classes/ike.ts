// IKEv2 (RFC 7296) as strongSwan or Windows would start it: IKE_SA_INIT with a real X25519
// key exchange, nonces and NAT detection, then IKE_AUTH in an SK payload (AES-256-GCM),
// on 500, or on 4500 behind the four-byte non-ESP marker (RFC 3948) with ESP data after it.
import { createCipheriv, createHash } from 'node:crypto';
import { scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import { x25519FromSeed } from './primitives.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const SA = 33;
const KE = 34;
const NONCE = 40;
const NOTIFY = 41;
const SK = 46;
const IDI = 35;
const NONE = 0;
const IKE_SA_INIT = 34;
const IKE_AUTH = 35;

/** A generic payload header: next payload, critical bit 0, length. */
function payload(next: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = next;
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

function transform(type: number, id: number, keyLen?: number, last = false): Buffer {
  const attr = keyLen ? Buffer.from([0x80, 0x0e, keyLen >> 8, keyLen & 0xff]) : Buffer.alloc(0);
  const t = Buffer.alloc(8);
  t[0] = last ? 0 : 3;
  t.writeUInt16BE(8 + attr.length, 2);
  t[4] = type;
  t.writeUInt16BE(id, 6);
  return Buffer.concat([t, attr]);
}

/** One IKE proposal: AES-GCM-16 256, PRF HMAC-SHA2-256, DH group 31 (Curve25519). */
function saPayload(next: number): Buffer {
  const transforms = Buffer.concat([
    transform(1, 20, 256),
    transform(2, 5),
    transform(4, 31, undefined, true),
  ]);
  const prop = Buffer.alloc(8);
  prop[0] = 0; // last proposal
  prop.writeUInt16BE(8 + transforms.length, 2);
  prop[4] = 1; // proposal number
  prop[5] = 1; // protocol IKE
  prop[6] = 0; // SPI size
  prop[7] = 3; // transforms
  return payload(next, Buffer.concat([prop, transforms]));
}

function natDetection(
  next: number,
  type: number,
  spiI: Buffer,
  spiR: Buffer,
  ip: string,
  port: number,
): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port, 0);
  const digest = createHash('sha1')
    .update(Buffer.concat([spiI, spiR, Buffer.from(ip), p]))
    .digest();
  const head = Buffer.from([0, 0, type >> 8, type & 0xff]); // protocol 0, SPI size 0, type
  return payload(next, Buffer.concat([head, digest]));
}

function ikeHeader(
  spiI: Buffer,
  spiR: Buffer,
  next: number,
  exchange: number,
  response: boolean,
  msgId: number,
  body: Buffer,
): Buffer {
  const h = Buffer.alloc(28);
  spiI.copy(h, 0);
  spiR.copy(h, 8);
  h[16] = next;
  h[17] = 0x20; // version 2.0
  h[18] = exchange;
  h[19] = response ? 0x20 : 0x08; // Response, or Initiator
  h.writeUInt32BE(msgId, 20);
  h.writeUInt32BE(28 + body.length, 24);
  return Buffer.concat([h, body]);
}

function saInit(rng: Rng, spiI: Buffer, spiR: Buffer, response: boolean): Buffer {
  const ke = Buffer.concat([Buffer.from([0, 31, 0, 0]), x25519FromSeed(rng.bytes(32)).publicRaw]);
  const body = Buffer.concat([
    saPayload(KE),
    payload(NONCE, ke),
    payload(NOTIFY, rng.bytes(32)),
    natDetection(NOTIFY, 16388, spiI, spiR, '10.0.0.1', 500),
    natDetection(NONE, 16389, spiI, spiR, '192.0.2.1', 500),
  ]);
  return ikeHeader(spiI, spiR, SA, IKE_SA_INIT, response, 0, body);
}

/** IKE_AUTH: everything inside one SK payload (IV, AES-256-GCM ciphertext, 16-byte ICV). */
function ikeAuth(rng: Rng, key: Buffer, spiI: Buffer, spiR: Buffer, response: boolean): Buffer {
  const inner = rng.bytes(rng.int(200, 500));
  const iv = rng.bytes(8);
  const salt = key.subarray(32, 36);
  const skLen = 4 + 8 + inner.length + 16;
  const header = ikeHeader(spiI, spiR, SK, IKE_AUTH, response, 1, Buffer.alloc(skLen));
  const skHead = Buffer.alloc(4);
  skHead[0] = IDI;
  skHead.writeUInt16BE(skLen, 2);
  const aad = Buffer.concat([header.subarray(0, 28), skHead]);
  const c = createCipheriv('aes-256-gcm', key.subarray(0, 32), Buffer.concat([salt, iv]), {
    authTagLength: 16,
  });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(inner), c.final()]);
  return Buffer.concat([aad, iv, ct, c.getAuthTag()]);
}

/** ESP in UDP (RFC 3948): SPI, sequence, IV, AES-GCM ciphertext, ICV. */
function esp(key: Buffer, spi: number, seq: number, rng: Rng): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(spi, 0);
  head.writeUInt32BE(seq, 4);
  const iv = rng.bytes(8);
  const c = createCipheriv(
    'aes-256-gcm',
    key.subarray(0, 32),
    Buffer.concat([key.subarray(32, 36), iv]),
    { authTagLength: 16 },
  );
  c.setAAD(head);
  const ct = Buffer.concat([c.update(rng.bytes(rng.int(60, 1300))), c.final()]);
  return Buffer.concat([head, iv, ct, c.getAuthTag()]);
}

async function ikeFlow(ctx: FlowContext): Promise<FlowOutcome> {
  const { rng } = ctx;
  const natT = ctx.port === 4500;
  const spiI = rng.bytes(8);
  const spiR = rng.bytes(8);
  const key = rng.bytes(36);
  const marker = (b: Buffer): Buffer => (natT ? Buffer.concat([Buffer.alloc(4), b]) : b);
  const steps: ScriptStep[] = [
    { from: 'client', data: marker(saInit(rng, spiI, Buffer.alloc(8), false)) },
    { from: 'server', data: marker(saInit(rng, spiI, spiR, true)) },
    { from: 'client', data: marker(ikeAuth(rng, key, spiI, spiR, false)) },
    { from: 'server', data: marker(ikeAuth(rng, key, spiI, spiR, true)) },
  ];
  let espPackets = 0;
  if (natT) {
    const spis = { client: rng.int(0x100, 0xffffffff), server: rng.int(0x100, 0xffffffff) };
    const n = rng.int(2, 6);
    for (let i = 1; i <= n; i++) {
      steps.push({ from: 'client', data: esp(key, spis.server, i, rng) });
      steps.push({ from: 'server', data: esp(key, spis.client, i, rng) });
      espPackets += 2;
    }
  }
  return {
    transcript: await scriptedUdp(steps),
    detail: natT
      ? `NAT-T: non-ESP marker, then ${espPackets} ESP packets`
      : 'IKE_SA_INIT and IKE_AUTH on 500',
  };
}

export const ikeClasses: readonly FlowClass[] = [
  {
    name: 'ikev2',
    label: 'ike',
    transport: 'udp',
    ports: [500, 4500],
    ipv6: true,
    reproducible: true,
    description:
      'IKEv2 IKE_SA_INIT (X25519 KE, nonce, NAT detection) and IKE_AUTH (SK, AES-256-GCM); on 4500 with the non-ESP marker and ESP-in-UDP after',
    make: ikeFlow,
  },
];
