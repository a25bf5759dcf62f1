// Fully encrypted channels with no handshake in the clear, built on node:crypto the way
// home-made C2 channels and fully-encrypted proxies are: every byte on the wire looks random.
import { createCipheriv, createHash, hkdfSync } from 'node:crypto';
import { scriptedTcp, scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import type { Side } from '../transcript.js';
import { textBody } from './http.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

function aead(
  alg: 'aes-256-gcm' | 'chacha20-poly1305',
  key: Buffer,
  nonce: Buffer,
  plain: Buffer,
): Buffer {
  // The union of algorithm names picks no overload; both are AEAD modes with 16-byte tags.
  const c =
    alg === 'aes-256-gcm'
      ? createCipheriv(alg, key, nonce, { authTagLength: 16 })
      : createCipheriv(alg, key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** The plaintext conversation inside a C2-like channel: beacon, tasking, output, … */
function conversation(rng: Rng, turns: number): { from: Side; plain: Buffer }[] {
  const out: { from: Side; plain: Buffer }[] = [];
  for (let t = 0; t < turns; t++) {
    out.push({
      from: 'client',
      plain: Buffer.from(
        JSON.stringify({ id: rng.int(1, 1e6), beacon: textBody(rng, rng.int(20, 400)) }),
      ),
    });
    out.push({
      from: 'server',
      plain: Buffer.from(JSON.stringify({ task: textBody(rng, rng.int(20, 1800)) })),
    });
  }
  return out;
}

/** AES-256-GCM frames: a random nonce per frame, the length masked or absent. */
async function aesGcmFramed(ctx: FlowContext): Promise<FlowOutcome> {
  const key = ctx.rng.bytes(32);
  const maskedLength = ctx.index % 2 === 0;
  const mask = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const steps: ScriptStep[] = conversation(ctx.rng, ctx.rng.int(2, 4)).map(({ from, plain }) => {
    const nonce = ctx.rng.bytes(12);
    const body = Buffer.concat([nonce, aead('aes-256-gcm', key, nonce, plain)]);
    if (!maskedLength) return { from, data: body };
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length, 0);
    return { from, data: Buffer.concat([mask.update(len), body]) };
  });
  return {
    transcript: await scriptedTcp(steps),
    detail: maskedLength ? 'keystream-masked length + nonce + AEAD' : 'nonce + AEAD per write',
  };
}

/** ChaCha20 stream: each direction opens with a random 16-byte IV, then ciphertext only. */
async function chachaStream(ctx: FlowContext): Promise<FlowOutcome> {
  const key = ctx.rng.bytes(32);
  const ciphers = new Map<Side, ReturnType<typeof createCipheriv>>();
  const steps = conversation(ctx.rng, ctx.rng.int(2, 4)).map(({ from, plain }) => {
    let cipher = ciphers.get(from);
    let iv: Buffer = Buffer.alloc(0);
    if (!cipher) {
      iv = ctx.rng.bytes(16);
      cipher = createCipheriv('chacha20', key, iv);
      ciphers.set(from, cipher);
    }
    return { from, data: Buffer.concat([iv, cipher.update(plain)]) };
  });
  return { transcript: await scriptedTcp(steps), detail: 'random IV then ChaCha20 keystream' };
}

/** OpenSSL's EVP_BytesToKey with MD5, which Shadowsocks uses to turn a password into a key. */
function bytesToKey(password: string, len: number): Buffer {
  const parts: Buffer[] = [];
  let prev = Buffer.alloc(0);
  while (Buffer.concat(parts).length < len) {
    prev = createHash('md5')
      .update(Buffer.concat([prev, Buffer.from(password)]))
      .digest();
    parts.push(prev);
  }
  return Buffer.concat(parts).subarray(0, len);
}

/**
 * Shadowsocks AEAD (SIP004): random salt, HKDF-SHA1 session subkey, then chunks of
 * [sealed 2-byte length][sealed payload] with a little-endian counter nonce.
 */
class ShadowsocksSealer {
  private readonly key: Buffer;
  private readonly nonce = Buffer.alloc(12);
  private saltSent = false;

  constructor(
    private readonly alg: 'aes-256-gcm' | 'chacha20-poly1305',
    psk: Buffer,
    private readonly salt: Buffer,
  ) {
    this.key = Buffer.from(hkdfSync('sha1', psk, salt, 'ss-subkey', 32));
  }

  private seal(plain: Buffer): Buffer {
    const out = aead(this.alg, this.key, this.nonce, plain);
    for (let i = 0; i < 12; i++) {
      this.nonce[i] = (this.nonce[i]! + 1) & 0xff;
      if (this.nonce[i] !== 0) break;
    }
    return out;
  }

  chunk(payload: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.saltSent) {
      parts.push(this.salt);
      this.saltSent = true;
    }
    for (let off = 0; off < payload.length; off += 0x3fff) {
      const piece = payload.subarray(off, off + 0x3fff);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(piece.length, 0);
      parts.push(this.seal(len), this.seal(piece));
    }
    return Buffer.concat(parts);
  }
}

async function shadowsocks(ctx: FlowContext): Promise<FlowOutcome> {
  const alg = ctx.index % 2 === 0 ? 'chacha20-poly1305' : 'aes-256-gcm';
  const psk = bytesToKey(`corpus-password-${ctx.index}`, 32);
  const sealers = {
    client: new ShadowsocksSealer(alg, psk, ctx.rng.bytes(32)),
    server: new ShadowsocksSealer(alg, psk, ctx.rng.bytes(32)),
  };
  const host = ctx.rng.pick(['www.example.com', 'video.example.net', 'news.example.org']);
  const target = Buffer.concat([
    Buffer.from([0x03, host.length]),
    Buffer.from(host),
    Buffer.from([0x01, 0xbb]),
  ]);
  const steps = conversation(ctx.rng, ctx.rng.int(1, 3)).map(({ from, plain }, i) => ({
    from,
    data: sealers[from].chunk(i === 0 ? Buffer.concat([target, plain]) : plain),
  }));
  return { transcript: await scriptedTcp(steps), detail: `${alg}, target ${host}:443` };
}

/**
 * obfs4-like: handshakes of a uniformly random-looking key representative, random padding,
 * a mark and a MAC; then frames of a masked length and a sealed body with random padding.
 */
async function obfs4Like(ctx: FlowContext): Promise<FlowOutcome> {
  const key = ctx.rng.bytes(32);
  const mask = {
    client: createCipheriv('chacha20', key, ctx.rng.bytes(16)),
    server: createCipheriv('chacha20', key, ctx.rng.bytes(16)),
  };
  const hello = (): Buffer =>
    Buffer.concat([ctx.rng.bytes(32), ctx.rng.bytes(ctx.rng.int(85, 1400)), ctx.rng.bytes(32)]);
  const steps: ScriptStep[] = [
    { from: 'client', data: hello() },
    { from: 'server', data: Buffer.concat([hello(), ctx.rng.bytes(32)]) },
  ];
  let counter = 0;
  for (const { from, plain } of conversation(ctx.rng, ctx.rng.int(2, 3))) {
    const padded = Buffer.concat([Buffer.from([0]), plain, Buffer.alloc(ctx.rng.int(0, 200))]);
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32BE(counter++, 8);
    const sealed = aead('chacha20-poly1305', key, nonce, padded);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(sealed.length, 0);
    steps.push({ from, data: Buffer.concat([mask[from].update(len), sealed]) });
  }
  return {
    transcript: await scriptedTcp(steps),
    detail: 'random-padded handshake, masked-length frames',
  };
}

/** A few dozen bytes each way: too short for plain entropy to reach 8 bits/byte. */
async function shortOpaque(ctx: FlowContext): Promise<FlowOutcome> {
  const key = ctx.rng.bytes(32);
  const msg = (from: Side): ScriptStep => {
    const nonce = ctx.rng.bytes(12);
    return {
      from,
      data: Buffer.concat([
        nonce,
        aead('aes-256-gcm', key, nonce, ctx.rng.bytes(ctx.rng.int(4, 36))),
      ]),
    };
  };
  const steps = [msg('client'), msg('server')];
  const sizes = steps.map((s) => s.data.length).join('/');
  return { transcript: await scriptedTcp(steps), detail: `${sizes} bytes` };
}

/** A home-made encrypted UDP tunnel: nonce + ChaCha20-Poly1305 per datagram. */
async function opaqueUdp(ctx: FlowContext): Promise<FlowOutcome> {
  const key = ctx.rng.bytes(32);
  const steps = conversation(ctx.rng, ctx.rng.int(2, 4)).map(({ from, plain }) => {
    const nonce = ctx.rng.bytes(12);
    return {
      from,
      data: Buffer.concat([nonce, aead('chacha20-poly1305', key, nonce, plain.subarray(0, 1200))]),
    };
  });
  return { transcript: await scriptedUdp(steps), detail: `${steps.length} datagrams` };
}

function opaqueClass(
  name: string,
  transport: 'tcp' | 'udp',
  ports: number[],
  description: string,
  make: FlowClass['make'],
): FlowClass {
  return {
    name,
    label: 'opaque',
    transport,
    ports,
    ipv6: true,
    reproducible: true,
    description,
    make,
  };
}

export const opaqueClasses: readonly FlowClass[] = [
  opaqueClass(
    'aes-gcm-framed',
    'tcp',
    [443, 4444, 80, 8443, 7777],
    'AES-256-GCM frames with random nonces (node:crypto), no handshake in the clear',
    aesGcmFramed,
  ),
  opaqueClass(
    'chacha20-stream',
    'tcp',
    [80, 9999, 443, 53, 21000],
    'ChaCha20 stream (node:crypto) after a random 16-byte IV per direction',
    chachaStream,
  ),
  opaqueClass(
    'shadowsocks-aead',
    'tcp',
    [8388, 443, 53, 80, 18388],
    'Shadowsocks AEAD (SIP004): random salt, HKDF-SHA1 subkey, sealed length-prefixed chunks',
    shadowsocks,
  ),
  opaqueClass(
    'obfs4-like',
    'tcp',
    [443, 36251, 53, 80, 9443],
    'obfs4-like: random key representative, random padding, masked-length sealed frames',
    obfs4Like,
  ),
  opaqueClass(
    'opaque-short',
    'tcp',
    [443, 1337, 80, 53, 6666],
    'One AES-256-GCM message each way of a few dozen bytes',
    shortOpaque,
  ),
  opaqueClass(
    'opaque-udp',
    'udp',
    [53, 443, 27015, 40000, 123],
    'Encrypted UDP tunnel: random nonce + ChaCha20-Poly1305 per datagram',
    opaqueUdp,
  ),
];

/** TLS application-data records around random bytes, with no handshake before them. */
async function tlsFramedRandom(ctx: FlowContext): Promise<FlowOutcome> {
  const record = (body: Buffer): Buffer => {
    const h = Buffer.from([0x17, 0x03, 0x03, 0, 0]);
    h.writeUInt16BE(body.length, 3);
    return Buffer.concat([h, body]);
  };
  const key = ctx.rng.bytes(32);
  const steps = conversation(ctx.rng, ctx.rng.int(2, 4)).map(({ from, plain }) => {
    const nonce = ctx.rng.bytes(12);
    return { from, data: record(Buffer.concat([nonce, aead('aes-256-gcm', key, nonce, plain)])) };
  });
  return {
    transcript: await scriptedTcp(steps),
    detail: 'application-data records only, no handshake',
  };
}

/** SSH identification strings, then random bytes where the key exchange should be. */
async function sshBannerRandom(ctx: FlowContext): Promise<FlowOutcome> {
  const banner = ctx.rng.pick([
    'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13',
    'SSH-2.0-OpenSSH_8.9p1',
    'SSH-2.0-dropbear_2022.83',
  ]);
  const key = ctx.rng.bytes(32);
  const ciphers = {
    client: createCipheriv('chacha20', key, ctx.rng.bytes(16)),
    server: createCipheriv('chacha20', key, ctx.rng.bytes(16)),
  };
  const steps: ScriptStep[] = [
    { from: 'client', data: Buffer.from(`${banner}\r\n`) },
    { from: 'server', data: Buffer.from(`${banner}\r\n`) },
    ...conversation(ctx.rng, ctx.rng.int(2, 4)).map(({ from, plain }) => ({
      from,
      data: ciphers[from].update(plain),
    })),
  ];
  return {
    transcript: await scriptedTcp(steps),
    detail: `banner "${banner}", then ChaCha20 stream, no KEXINIT`,
  };
}

/** Appended to the catalogue after the first classes, so they keep their addresses. */
export const opaqueMimicClasses: readonly FlowClass[] = [
  opaqueClass(
    'tls-framed-random',
    'tcp',
    [443, 8443, 4443],
    'TLS application-data record headers around AES-GCM ciphertext, with no TLS handshake',
    tlsFramedRandom,
  ),
  opaqueClass(
    'ssh-banner-random',
    'tcp',
    [22, 2222, 8022],
    'SSH identification strings, then a ChaCha20 stream instead of a key exchange',
    sshBannerRandom,
  ),
];
