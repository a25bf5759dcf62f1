// Real-time media: WebRTC-style ICE connectivity checks (STUN, RFC 8489, with
// MESSAGE-INTEGRITY and FINGERPRINT) followed by SRTP (RFC 3711: AES-CM payload encryption,
// HMAC-SHA1-80 tag) around Opus-sized frames, and plain RTP/G.711 as a SIP phone sends it.
// The SRTP session keys are random: node has no DTLS to derive them with DTLS-SRTP.
import { createCipheriv, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const MAGIC = 0x2112a442;

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc(pad)]);
}

/** A STUN message with MESSAGE-INTEGRITY (HMAC-SHA1, short-term password) and FINGERPRINT. */
function stun(type: number, txid: Buffer, attrs: Buffer[], password: string): Buffer {
  const header = (len: number): Buffer => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    txid.copy(h, 8);
    return h;
  };
  let body = Buffer.concat(attrs);
  // The length field covers the attribute being computed when each trailer is added.
  const mi = createHmac('sha1', password)
    .update(Buffer.concat([header(body.length + 24), body]))
    .digest();
  body = Buffer.concat([body, attr(0x0008, mi)]);
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE((crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0, 0);
  body = Buffer.concat([body, attr(0x8028, fp)]);
  return Buffer.concat([header(body.length), body]);
}

function xorMappedAddress(ip: string, port: number): Buffer {
  const v = Buffer.alloc(8);
  v[1] = 0x01;
  v.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const a = Buffer.from(ip.split('.').map(Number));
  v.writeUInt32BE((a.readUInt32BE(0) ^ MAGIC) >>> 0, 4);
  return v;
}

interface SrtpContext {
  readonly key: Buffer;
  readonly salt: Buffer;
  readonly auth: Buffer;
  readonly ssrc: number;
  seq: number;
  timestamp: number;
}

function rtpHeader(pt: number, seq: number, ts: number, ssrc: number, marker: boolean): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return h;
}

/** SRTP (AES_CM_128_HMAC_SHA1_80): IV = salt ⊕ SSRC ⊕ packet index, tag over header, payload, ROC. */
function srtp(ctx: SrtpContext, payload: Buffer, marker: boolean): Buffer {
  const header = rtpHeader(111, ctx.seq, ctx.timestamp, ctx.ssrc, marker);
  const iv = Buffer.alloc(16);
  ctx.salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ctx.ssrc) >>> 0, 4);
  iv.writeUInt16BE(iv.readUInt16BE(12) ^ ctx.seq, 12); // index = ROC 0 || seq
  const enc = createCipheriv('aes-128-ctr', ctx.key, iv).update(payload);
  const tag = createHmac('sha1', ctx.auth)
    .update(Buffer.concat([header, enc, Buffer.alloc(4)]))
    .digest()
    .subarray(0, 10);
  ctx.seq++;
  ctx.timestamp += 960; // 20 ms of 48 kHz Opus
  return Buffer.concat([header, enc, tag]);
}

function srtpContext(rng: Rng): SrtpContext {
  return {
    key: rng.bytes(16),
    salt: Buffer.concat([rng.bytes(14), Buffer.alloc(2)]),
    auth: rng.bytes(20),
    ssrc: rng.int(1, 0xffffffff),
    seq: rng.int(0, 30000),
    timestamp: rng.int(0, 0x7fffffff),
  };
}

async function webrtc(ctx: FlowContext): Promise<FlowOutcome> {
  const { rng } = ctx;
  const ufrag = { client: rng.bytes(3).toString('hex'), server: rng.bytes(3).toString('hex') };
  const password = rng.bytes(12).toString('base64');
  const txid = rng.bytes(12);
  const prio = Buffer.alloc(4);
  prio.writeUInt32BE(1853824767, 0);
  const request = stun(
    0x0001,
    txid,
    [
      attr(0x0006, Buffer.from(`${ufrag.server}:${ufrag.client}`)),
      attr(0x802a, rng.bytes(8)),
      attr(0x0025, Buffer.alloc(0)),
      attr(0x0024, prio),
    ],
    password,
  );
  const response = stun(
    0x0101,
    txid,
    [attr(0x0020, xorMappedAddress(`10.0.0.${ctx.index + 1}`, rng.int(40000, 60000)))],
    password,
  );
  const steps: ScriptStep[] = [
    { from: 'client', data: request },
    { from: 'server', data: response },
  ];
  const streams = { client: srtpContext(rng), server: srtpContext(rng) };
  const frames = rng.int(10, 25);
  for (let i = 0; i < frames; i++) {
    for (const side of ['client', 'server'] as const)
      steps.push({ from: side, data: srtp(streams[side], rng.bytes(rng.int(60, 160)), i === 0) });
  }
  return {
    transcript: await scriptedUdp(steps),
    detail: `ICE binding check, then ${frames * 2} SRTP packets (Opus, PT 111)`,
  };
}

/** G.711 µ-law of a tone with noise: the compressible, non-random payload of a phone call. */
function pcmu(rng: Rng, samples: number, phase: number): Buffer {
  const out = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) {
    const s = Math.sin(((phase + i) * 2 * Math.PI * 440) / 8000) * 8000 + (rng.float() - 0.5) * 600;
    const sign = s < 0 ? 0x80 : 0;
    const mag = Math.min(32635, Math.abs(s)) + 132;
    let exp = 7;
    for (let m = 0x4000; (mag & m) === 0 && exp > 0; m >>= 1) exp--;
    out[i] = ~(sign | (exp << 4) | ((mag >> (exp + 3)) & 0x0f)) & 0xff;
  }
  return out;
}

async function rtpG711(ctx: FlowContext): Promise<FlowOutcome> {
  const { rng } = ctx;
  const ssrc = { client: rng.int(1, 0xffffffff), server: rng.int(1, 0xffffffff) };
  const seq = { client: rng.int(0, 30000), server: rng.int(0, 30000) };
  const ts = { client: rng.int(0, 1e9), server: rng.int(0, 1e9) };
  const steps: ScriptStep[] = [];
  const frames = rng.int(10, 25);
  for (let i = 0; i < frames; i++) {
    for (const side of ['client', 'server'] as const) {
      steps.push({
        from: side,
        data: Buffer.concat([
          rtpHeader(0, seq[side]++, ts[side], ssrc[side], i === 0),
          pcmu(rng, 160, i * 160),
        ]),
      });
      ts[side] += 160;
    }
  }
  return { transcript: await scriptedUdp(steps), detail: `${frames * 2} RTP packets, PCMU 20 ms` };
}

export const mediaClasses: readonly FlowClass[] = [
  {
    name: 'webrtc-srtp',
    label: 'media',
    transport: 'udp',
    ports: [50040, 19305, 3478],
    ipv6: true,
    reproducible: true,
    description:
      'WebRTC-style media: STUN binding request/response (ICE), then SRTP AES_CM_128_HMAC_SHA1_80 both ways',
    make: webrtc,
  },
  {
    name: 'rtp-g711',
    label: 'media',
    transport: 'udp',
    ports: [16384, 10000, 20000],
    ipv6: true,
    reproducible: true,
    description: 'Plain RTP with G.711 µ-law audio both ways, as a SIP phone sends it',
    make: rtpG711,
  },
];
