// DTLS 1.2 (RFC 6347) with ECDHE-ECDSA-AES128-GCM-SHA256, written from the specification
// (node has no DTLS): ClientHello, HelloVerifyRequest, ClientHello with the cookie, the
// server's flight with a real certificate and signature, the client's key exchange and
// Finished, then application data, all under keys from a real TLS 1.2 PRF key schedule.
import { createCipheriv, createHash, createHmac, sign } from 'node:crypto';
import { scriptedUdp, type ScriptStep } from '../scripted.js';
import { x25519, x25519FromSeed } from './primitives.js';
import { serverCredentials } from './tls.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const DTLS12 = 0xfefd;
const SUITE = 0xc02b; // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec24 = (b: Buffer): Buffer => Buffer.concat([u24(b.length), b]);
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);

/** TLS 1.2 PRF with SHA-256 (RFC 5246 5). */
function prf(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const s = Buffer.concat([Buffer.from(label), seed]);
  const out: Buffer[] = [];
  let a = s;
  while (Buffer.concat(out).length < length) {
    a = createHmac('sha256', secret).update(a).digest();
    out.push(
      createHmac('sha256', secret)
        .update(Buffer.concat([a, s]))
        .digest(),
    );
  }
  return Buffer.concat(out).subarray(0, length);
}

class Endpoint {
  private seq = 0;
  private messageSeq = 0;
  epoch = 0;
  key: Buffer | null = null;
  salt: Buffer | null = null;

  /** A DTLS record: type, version, epoch, 48-bit sequence, length, fragment (sealed in epoch 1). */
  record(type: number, fragment: Buffer): Buffer {
    const epochSeq = Buffer.alloc(8);
    epochSeq.writeUInt16BE(this.epoch, 0);
    epochSeq.writeUIntBE(this.seq++, 2, 6);
    let body = fragment;
    if (this.epoch > 0 && this.key && this.salt) {
      const explicit = epochSeq;
      const aad = Buffer.concat([epochSeq, u8(type), u16(DTLS12), u16(fragment.length)]);
      const c = createCipheriv('aes-128-gcm', this.key, Buffer.concat([this.salt, explicit]));
      c.setAAD(aad);
      body = Buffer.concat([explicit, c.update(fragment), c.final(), c.getAuthTag()]);
    }
    return Buffer.concat([u8(type), u16(DTLS12), epochSeq, vec16(body)]);
  }

  /** A handshake message with DTLS's message_seq and a single unfragmented fragment. */
  handshake(type: number, body: Buffer): Buffer {
    return Buffer.concat([
      u8(type),
      u24(body.length),
      u16(this.messageSeq++),
      u24(0),
      u24(body.length),
      body,
    ]);
  }

  /** ChangeCipherSpec: epoch 1, sequence from 0, records sealed with the new keys. */
  changeEpoch(key: Buffer, salt: Buffer): void {
    this.epoch = 1;
    this.seq = 0;
    this.key = key;
    this.salt = salt;
  }
}

function clientHello(random: Buffer, cookie: Buffer): Buffer {
  const extensions = Buffer.concat([
    ext(0x000a, vec16(Buffer.concat([u16(0x001d), u16(0x0017)]))),
    ext(0x000b, vec8(u8(0))),
    ext(0x000d, vec16(Buffer.concat([u16(0x0403), u16(0x0804), u16(0x0401)]))),
    ext(0x0017, Buffer.alloc(0)), // extended master secret offered, not used by this server
    ext(0x000e, Buffer.concat([vec16(Buffer.concat([u16(0x0001), u16(0x0002)])), u8(0)])), // use_srtp
  ]);
  return Buffer.concat([
    u16(DTLS12),
    random,
    vec8(Buffer.alloc(0)),
    vec8(cookie),
    vec16(Buffer.concat([u16(SUITE), u16(0xc02f)])),
    vec8(u8(0)),
    vec16(extensions),
  ]);
}

export async function dtlsFlow(ctx: FlowContext): Promise<FlowOutcome & { keylog: string }> {
  const { rng } = ctx;
  const { key: certKey, cert } = await serverCredentials();
  const certDer = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const client = new Endpoint();
  const server = new Endpoint();
  const cr = rng.bytes(32);
  const sr = rng.bytes(32);
  const cookie = rng.bytes(20);
  const steps: ScriptStep[] = [];
  const HANDSHAKE = 22;

  steps.push({
    from: 'client',
    data: client.record(HANDSHAKE, client.handshake(1, clientHello(cr, Buffer.alloc(0)))),
  });
  steps.push({
    from: 'server',
    data: server.record(HANDSHAKE, server.handshake(3, Buffer.concat([u16(DTLS12), vec8(cookie)]))),
  });
  // The handshake hash covers the messages from the ClientHello with the cookie on (RFC 6347 4.2.6).
  const transcript: Buffer[] = [];
  const hs = (e: Endpoint, type: number, body: Buffer): Buffer => {
    const m = e.handshake(type, body);
    transcript.push(m);
    return m;
  };
  steps.push({
    from: 'client',
    data: client.record(HANDSHAKE, hs(client, 1, clientHello(cr, cookie))),
  });

  const sEph = x25519FromSeed(rng.bytes(32));
  const cEph = x25519FromSeed(rng.bytes(32));
  const params = Buffer.concat([u8(3), u16(0x001d), vec8(sEph.publicRaw)]);
  const signature = sign('sha256', Buffer.concat([cr, sr, params]), certKey);
  const serverExts = ext(0x000e, Buffer.concat([vec16(u16(0x0001)), u8(0)]));
  const flight = [
    hs(
      server,
      2,
      Buffer.concat([u16(DTLS12), sr, vec8(rng.bytes(32)), u16(SUITE), u8(0), vec16(serverExts)]),
    ),
    hs(server, 11, vec24(vec24(certDer))),
    hs(server, 12, Buffer.concat([params, u16(0x0403), vec16(signature)])),
    hs(server, 14, Buffer.alloc(0)),
  ];
  steps.push({
    from: 'server',
    data: Buffer.concat(flight.map((m) => server.record(HANDSHAKE, m))),
  });

  const master = prf(x25519(cEph, sEph.publicRaw), 'master secret', Buffer.concat([cr, sr]), 48);
  const block = prf(master, 'key expansion', Buffer.concat([sr, cr]), 40);
  const [cKey, sKey, cSalt, sSalt] = [
    block.subarray(0, 16),
    block.subarray(16, 32),
    block.subarray(32, 36),
    block.subarray(36, 40),
  ];
  const cke = hs(client, 16, vec8(cEph.publicRaw));
  const cFinished = client.handshake(
    20,
    prf(
      master,
      'client finished',
      createHash('sha256').update(Buffer.concat(transcript)).digest(),
      12,
    ),
  );
  transcript.push(cFinished);
  const ccs = (e: Endpoint): Buffer => e.record(20, u8(1));
  const cKeyRecord = client.record(HANDSHAKE, cke);
  const cCcs = ccs(client);
  client.changeEpoch(cKey, cSalt);
  steps.push({
    from: 'client',
    data: Buffer.concat([cKeyRecord, cCcs, client.record(HANDSHAKE, cFinished)]),
  });
  const sFinished = server.handshake(
    20,
    prf(
      master,
      'server finished',
      createHash('sha256').update(Buffer.concat(transcript)).digest(),
      12,
    ),
  );
  const sCcs = ccs(server);
  server.changeEpoch(sKey, sSalt);
  steps.push({ from: 'server', data: Buffer.concat([sCcs, server.record(HANDSHAKE, sFinished)]) });

  const exchanges = rng.int(3, 8);
  for (let i = 0; i < exchanges; i++) {
    steps.push({ from: 'client', data: client.record(23, rng.bytes(rng.int(40, 300))) });
    steps.push({ from: 'server', data: server.record(23, rng.bytes(rng.int(40, 1100))) });
  }
  return {
    transcript: await scriptedUdp(steps),
    detail: `HelloVerifyRequest cookie, ECDHE-ECDSA-AES128-GCM-SHA256, use_srtp offered, ${exchanges * 2} application records`,
    keylog: `CLIENT_RANDOM ${cr.toString('hex')} ${master.toString('hex')}\n`,
  };
}

export const dtlsClasses: readonly FlowClass[] = [
  {
    name: 'dtls12',
    label: 'dtls',
    transport: 'udp',
    ports: [4433, 443, 3478],
    ipv6: true,
    reproducible: false,
    description:
      'DTLS 1.2 from the specification: cookie exchange, ECDHE-ECDSA handshake with a real certificate and signature, AES-128-GCM records',
    make: dtlsFlow,
  },
];
