// QUIC v1 (RFC 9000/9001) handshakes with real packet protection and a real TLS 1.3 key
// schedule: the client Initial (ClientHello, padded to 1200 bytes), the server's Initial
// (ServerHello) coalesced with Handshake packets (EncryptedExtensions, Certificate,
// CertificateVerify, Finished), the client's Finished, then 1-RTT short-header packets.
import { createCipheriv, createHash, createHmac, sign } from 'node:crypto';
import { scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import { x25519, x25519FromSeed } from './primitives.js';
import { serverCredentials } from './tls.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const INITIAL_SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const QUIC_V1 = 0x00000001;
const sha256 = (...parts: Buffer[]): Buffer =>
  createHash('sha256').update(Buffer.concat(parts)).digest();
const hmac256 = (key: Buffer, data: Buffer): Buffer =>
  createHmac('sha256', key).update(data).digest();

function u8(n: number): Buffer {
  return Buffer.from([n]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
}
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec24 = (b: Buffer): Buffer => Buffer.concat([u24(b.length), b]);

/** QUIC variable-length integer (RFC 9000 16). */
export function varint(n: number): Buffer {
  if (n < 0x40) return u8(n);
  if (n < 0x4000) return u16(0x4000 | n);
  if (n < 0x40000000) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE((0x80000000 | n) >>> 0, 0);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(0xc000000000000000n | BigInt(n), 0);
  return b;
}

function hkdfExpand(prk: Buffer, info: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    prev = hmac256(prk, Buffer.concat([prev, info, u8(i)]));
    out.push(prev);
  }
  return Buffer.concat(out).subarray(0, length);
}

/** TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1). */
function expandLabel(secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const info = Buffer.concat([u16(length), vec8(Buffer.from(`tls13 ${label}`)), vec8(context)]);
  return hkdfExpand(secret, info, length);
}

interface PacketKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
}

export function quicKeys(secret: Buffer): PacketKeys {
  return {
    key: expandLabel(secret, 'quic key', Buffer.alloc(0), 16),
    iv: expandLabel(secret, 'quic iv', Buffer.alloc(0), 12),
    hp: expandLabel(secret, 'quic hp', Buffer.alloc(0), 16),
  };
}

export function initialSecrets(dcid: Buffer): { client: Buffer; server: Buffer } {
  const initial = hmac256(INITIAL_SALT_V1, dcid);
  return {
    client: expandLabel(initial, 'client in', Buffer.alloc(0), 32),
    server: expandLabel(initial, 'server in', Buffer.alloc(0), 32),
  };
}

/** AEAD_AES_128_GCM payload protection and AES-ECB header protection (RFC 9001 5). */
function protect(
  header: Buffer,
  pnOffset: number,
  pnLen: number,
  pn: number,
  payload: Buffer,
  k: PacketKeys,
): Buffer {
  const nonce = Buffer.from(k.iv);
  for (let i = 0; i < 4; i++) nonce[11 - i]! ^= (pn >>> (8 * i)) & 0xff;
  const c = createCipheriv('aes-128-gcm', k.key, nonce);
  c.setAAD(header);
  const sealed = Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]);
  const packet = Buffer.concat([header, sealed]);
  const sample = packet.subarray(pnOffset + 4, pnOffset + 20);
  const mask = createCipheriv('aes-128-ecb', k.hp, null).update(sample);
  packet[0]! ^= mask[0]! & (packet[0]! & 0x80 ? 0x0f : 0x1f);
  for (let i = 0; i < pnLen; i++) packet[pnOffset + i]! ^= mask[1 + i]!;
  return packet;
}

function longPacket(
  type: 0 | 2,
  dcid: Buffer,
  scid: Buffer,
  pn: number,
  payload: Buffer,
  k: PacketKeys,
): Buffer {
  const pnLen = 2;
  const head = Buffer.concat([
    u8(0xc0 | (type << 4) | (pnLen - 1)),
    Buffer.from([0, 0, 0, QUIC_V1]),
    vec8(dcid),
    vec8(scid),
    type === 0 ? varint(0) : Buffer.alloc(0), // Initial: empty token
    u16(0x4000 | (pnLen + payload.length + 16)), // 2-byte varint Length
    u16(pn),
  ]);
  return protect(head, head.length - pnLen, pnLen, pn, payload, k);
}

function shortPacket(dcid: Buffer, pn: number, payload: Buffer, k: PacketKeys): Buffer {
  const head = Buffer.concat([u8(0x40 | 0x01), dcid, u16(pn)]);
  return protect(head, head.length - 2, 2, pn, payload, k);
}

const crypto = (offset: number, data: Buffer): Buffer =>
  Buffer.concat([u8(0x06), varint(offset), varint(data.length), data]);
const ack = (largest: number): Buffer =>
  Buffer.concat([u8(0x02), varint(largest), varint(0), varint(0), varint(largest)]);
const stream = (id: number, data: Buffer, fin: boolean): Buffer =>
  Buffer.concat([u8(0x0a | (fin ? 1 : 0)), varint(id), varint(data.length), data]);
const handshakeMsg = (type: number, body: Buffer): Buffer => Buffer.concat([u8(type), vec24(body)]);
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);

function transportParameters(scid: Buffer, original: Buffer | null): Buffer {
  const p = (id: number, v: Buffer): Buffer => Buffer.concat([varint(id), varint(v.length), v]);
  return Buffer.concat([
    ...(original ? [p(0x00, original)] : []),
    p(0x01, varint(30_000)),
    p(0x04, varint(1 << 20)),
    p(0x05, varint(1 << 18)),
    p(0x06, varint(1 << 18)),
    p(0x07, varint(1 << 18)),
    p(0x08, varint(100)),
    p(0x09, varint(100)),
    p(0x0f, scid),
  ]);
}

function clientHello(rng: Rng, sni: string, keyShare: Buffer, scid: Buffer): Buffer {
  const name = Buffer.from(sni);
  const extensions = Buffer.concat([
    ext(0x0000, vec16(Buffer.concat([u8(0), vec16(name)]))),
    ext(0x000a, vec16(Buffer.concat([u16(0x001d), u16(0x0017)]))),
    ext(
      0x000d,
      vec16(
        Buffer.concat([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601].map(u16)),
      ),
    ),
    ext(0x0010, vec16(vec8(Buffer.from('h3')))),
    ext(0x002b, vec8(u16(0x0304))),
    ext(0x002d, vec8(u8(1))),
    ext(0x0033, vec16(Buffer.concat([u16(0x001d), vec16(keyShare)]))),
    ext(0x0039, transportParameters(scid, null)),
  ]);
  const body = Buffer.concat([
    u16(0x0303),
    rng.bytes(32),
    vec8(Buffer.alloc(0)),
    vec16(Buffer.concat([u16(0x1301), u16(0x1302), u16(0x1303)])),
    vec8(u8(0)),
    vec16(extensions),
  ]);
  return handshakeMsg(1, body);
}

function serverHello(rng: Rng, keyShare: Buffer): Buffer {
  const extensions = Buffer.concat([
    ext(0x002b, u16(0x0304)),
    ext(0x0033, Buffer.concat([u16(0x001d), vec16(keyShare)])),
  ]);
  return handshakeMsg(
    2,
    Buffer.concat([
      u16(0x0303),
      rng.bytes(32),
      vec8(Buffer.alloc(0)),
      u16(0x1301),
      u8(0),
      vec16(extensions),
    ]),
  );
}

export interface QuicHandshake {
  readonly datagrams: ScriptStep[];
  /** NSS key log lines, so tshark (tls.keylog_file) can decrypt the flow. */
  readonly keylog: string;
}

export async function quicHandshake(
  rng: Rng,
  sni: string,
  requests: number,
): Promise<QuicHandshake> {
  const { key: certKey, cert } = await serverCredentials();
  const certDer = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const dcid = rng.bytes(8);
  const cScid = rng.bytes(8);
  const sScid = rng.bytes(8);
  const cEph = x25519FromSeed(rng.bytes(32));
  const sEph = x25519FromSeed(rng.bytes(32));
  const init = initialSecrets(dcid);
  const cInit = quicKeys(init.client);
  const sInit = quicKeys(init.server);

  const ch = clientHello(rng, sni, cEph.publicRaw, cScid);
  const clientRandom = ch.subarray(6, 38);
  // Client Initial: CRYPTO(ClientHello), padded so the datagram is at least 1200 bytes.
  const chFrames = crypto(0, ch);
  const overhead = 1 + 4 + 1 + 8 + 1 + 8 + 1 + 2 + 2 + 16;
  const clientInitial = longPacket(
    0,
    dcid,
    cScid,
    0,
    Buffer.concat([chFrames, Buffer.alloc(Math.max(0, 1200 - overhead - chFrames.length))]),
    cInit,
  );

  // TLS 1.3 key schedule (RFC 8446 7.1).
  const sh = serverHello(rng, sEph.publicRaw);
  const zeros = Buffer.alloc(32);
  const early = hmac256(zeros, zeros);
  const hs = hmac256(expandLabel(early, 'derived', sha256(), 32), x25519(sEph, cEph.publicRaw));
  const th1 = sha256(ch, sh);
  const cHs = expandLabel(hs, 'c hs traffic', th1, 32);
  const sHs = expandLabel(hs, 's hs traffic', th1, 32);
  const ee = handshakeMsg(
    8,
    vec16(
      Buffer.concat([
        ext(0x0010, vec16(vec8(Buffer.from('h3')))),
        ext(0x0039, transportParameters(sScid, dcid)),
      ]),
    ),
  );
  const certMsg = handshakeMsg(
    11,
    Buffer.concat([
      vec8(Buffer.alloc(0)),
      vec24(Buffer.concat([vec24(certDer), vec16(Buffer.alloc(0))])),
    ]),
  );
  const toSign = Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from('TLS 1.3, server CertificateVerify\0'),
    sha256(ch, sh, ee, certMsg),
  ]);
  const cv = handshakeMsg(15, Buffer.concat([u16(0x0403), vec16(sign('sha256', toSign, certKey))]));
  const sFin = handshakeMsg(
    20,
    hmac256(expandLabel(sHs, 'finished', Buffer.alloc(0), 32), sha256(ch, sh, ee, certMsg, cv)),
  );
  const th2 = sha256(ch, sh, ee, certMsg, cv, sFin);
  const cFin = handshakeMsg(20, hmac256(expandLabel(cHs, 'finished', Buffer.alloc(0), 32), th2));
  const master = hmac256(expandLabel(hs, 'derived', sha256(), 32), zeros);
  const cAp = expandLabel(master, 'c ap traffic', th2, 32);
  const sAp = expandLabel(master, 's ap traffic', th2, 32);
  const [cHsK, sHsK, cApK, sApK] = [cHs, sHs, cAp, sAp].map(quicKeys) as [
    PacketKeys,
    PacketKeys,
    PacketKeys,
    PacketKeys,
  ];

  const serverFlight = Buffer.concat([ee, certMsg, cv, sFin]);
  const serverFirst = Buffer.concat([
    longPacket(0, cScid, sScid, 0, Buffer.concat([ack(0), crypto(0, sh)]), sInit),
    longPacket(2, cScid, sScid, 0, crypto(0, serverFlight), sHsK),
  ]);
  const clientSecond = Buffer.concat([
    longPacket(0, sScid, cScid, 1, ack(0), cInit),
    longPacket(2, sScid, cScid, 0, Buffer.concat([ack(0), crypto(0, cFin)]), cHsK),
  ]);
  const datagrams: ScriptStep[] = [
    { from: 'client', data: clientInitial },
    { from: 'server', data: serverFirst },
    { from: 'client', data: clientSecond },
    { from: 'server', data: shortPacket(cScid, 0, Buffer.concat([u8(0x1e), ack(0)]), sApK) },
  ];
  let cPn = 0;
  let sPn = 1;
  for (let r = 0; r < requests; r++) {
    const id = r * 4;
    // HTTP/3 HEADERS and DATA frames; their contents are opaque once protected.
    const request = Buffer.concat([u8(0x01), varint(40), rng.bytes(40)]);
    const body = rng.bytes(rng.int(200, 1100));
    const response = Buffer.concat([
      u8(0x01),
      varint(20),
      rng.bytes(20),
      u8(0x00),
      varint(body.length),
      body,
    ]);
    datagrams.push({
      from: 'client',
      data: shortPacket(sScid, cPn++, stream(id, request, true), cApK),
    });
    datagrams.push({
      from: 'server',
      data: shortPacket(
        cScid,
        sPn++,
        Buffer.concat([ack(cPn - 1), stream(id, response, true)]),
        sApK,
      ),
    });
  }
  const hex = (b: Buffer): string => b.toString('hex');
  const keylog = [
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${hex(clientRandom)} ${hex(cHs)}`,
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${hex(clientRandom)} ${hex(sHs)}`,
    `CLIENT_TRAFFIC_SECRET_0 ${hex(clientRandom)} ${hex(cAp)}`,
    `SERVER_TRAFFIC_SECRET_0 ${hex(clientRandom)} ${hex(sAp)}`,
  ].join('\n');
  return { datagrams, keylog: `${keylog}\n` };
}

const SNI = ['www.example.com', 'cdn.example.net', 'video.example.org'];

async function quicFlow(ctx: FlowContext): Promise<FlowOutcome> {
  const sni = ctx.rng.pick(SNI);
  const requests = ctx.rng.int(1, 4);
  const hs = await quicHandshake(ctx.rng, sni, requests);
  return {
    transcript: await scriptedUdp(hs.datagrams),
    detail: `SNI ${sni}, ALPN h3, ${requests} requests`,
    keylog: hs.keylog,
  };
}

export const quicClasses: readonly FlowClass[] = [
  {
    name: 'quic-v1-443',
    label: 'quic',
    transport: 'udp',
    ports: [443],
    ipv6: true,
    reproducible: false,
    description:
      'QUIC v1 on 443: protected Initial/Handshake/1-RTT packets with a TLS 1.3 key schedule, ALPN h3',
    make: quicFlow,
  },
  {
    name: 'quic-v1-odd-port',
    label: 'quic',
    transport: 'udp',
    ports: [8443, 4433, 60443],
    ipv6: true,
    reproducible: false,
    description: 'QUIC v1 on other ports, same handshake',
    make: quicFlow,
  },
];
