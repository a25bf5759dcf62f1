// Removes Initial packet protection (RFC 9001 §5; RFC 9369 §3.3 for v2) to read the client's
// ClientHello. Initial keys derive from the Destination Connection ID and a public salt, so
// any observer can do this; it exists to stop middleboxes from ossifying, not for secrecy.
// A payload prefix is often shorter than the 1200-byte Initial, so the AEAD tag cannot be
// checked: AES-GCM is CTR mode underneath, and the ClientHello is decrypted with AES-CTR
// from the counter block GCM would use (J0 + 1), then judged by its own structure.
import { createCipheriv, createHmac } from 'node:crypto';
import { u8 } from './bytes.js';
import { parseClientHelloBody, type ClientHelloInfo } from './tls-hello.js';

interface VersionParams {
  readonly salt: Buffer;
  readonly prefix: string;
}

const PARAMS: Record<number, VersionParams> = {
  // RFC 9001 §5.2.
  0x00000001: {
    salt: Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'),
    prefix: 'quic',
  },
  // RFC 9369 §3.3.1–3.3.2.
  0x6b3343cf: {
    salt: Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'),
    prefix: 'quicv2',
  },
};

/** RFC 9000 §16 variable-length integer at `p`: [value, next offset], or null past the end. */
export function readVarint(b: Uint8Array, p: number): [number, number] | null {
  const first = u8(b, p);
  if (first < 0) return null;
  const len = 1 << (first >> 6);
  if (p + len > b.length) return null;
  let v = first & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + (b[p + i] ?? 0);
  return [v, p + len];
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context, for outputs ≤ 32 bytes. */
export function expandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0, 1]),
  ]);
  // One HMAC block: T(1) = HMAC(PRK, info || 0x01) covers any length up to 32 bytes.
  return createHmac('sha256', secret).update(info).digest().subarray(0, length);
}

export interface InitialKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
}

/** Client Initial keys for a Destination Connection ID (RFC 9001 §5.2, Appendix A.1). */
export function clientInitialKeys(dcid: Uint8Array, version: number): InitialKeys | null {
  const params = PARAMS[version];
  if (params === undefined) return null;
  const initial = createHmac('sha256', params.salt).update(dcid).digest();
  const client = expandLabel(initial, 'client in', 32);
  return {
    key: expandLabel(client, `${params.prefix} key`, 16),
    iv: expandLabel(client, `${params.prefix} iv`, 12),
    hp: expandLabel(client, `${params.prefix} hp`, 16),
  };
}

const MAX_CRYPTO = 8192;

/**
 * Collects CRYPTO frame data (RFC 9000 §19.6) contiguous from offset 0. Clients split the
 * ClientHello over several frames in any order, between PING and PADDING (Chrome does).
 */
function cryptoStream(plain: Uint8Array): Uint8Array {
  const pieces: { off: number; data: Uint8Array }[] = [];
  let p = 0;
  while (p < plain.length) {
    const type = plain[p] ?? 0;
    if (type === 0x00 || type === 0x01) {
      p += 1;
      continue;
    }
    if (type === 0x06) {
      const off = readVarint(plain, p + 1);
      if (off === null) break;
      const len = readVarint(plain, off[1]);
      if (len === null) break;
      if (off[0] < MAX_CRYPTO)
        pieces.push({ off: off[0], data: plain.subarray(len[1], len[1] + len[0]) });
      p = len[1] + len[0];
      continue;
    }
    if (type === 0x02 || type === 0x03) {
      const next = skipAck(plain, p + 1, type === 0x03);
      if (next < 0) break;
      p = next;
      continue;
    }
    // Any other frame is not allowed in an Initial before the handshake (RFC 9000 §12.4).
    break;
  }
  pieces.sort((a, b) => a.off - b.off);
  let end = 0;
  for (const x of pieces) if (x.off <= end) end = Math.max(end, x.off + x.data.length);
  const out = new Uint8Array(Math.min(end, MAX_CRYPTO));
  for (const x of pieces)
    if (x.off < out.length) out.set(x.data.subarray(0, out.length - x.off), x.off);
  return out;
}

/** RFC 9000 §19.3: largest, delay, range count, first range, ranges, optional ECN counts. */
function skipAck(b: Uint8Array, p: number, ecn: boolean): number {
  let q = p;
  const fields: number[] = [];
  for (let i = 0; i < 4; i++) {
    const v = readVarint(b, q);
    if (v === null) return -1;
    fields.push(v[0]);
    q = v[1];
  }
  const ranges = fields[2] ?? 0;
  if (ranges > 256) return -1;
  for (let i = 0; i < ranges * 2 + (ecn ? 3 : 0); i++) {
    const v = readVarint(b, q);
    if (v === null) return -1;
    q = v[1];
  }
  return q;
}

/**
 * Decrypts a client Initial (v1 or v2) and parses the ClientHello it carries; null when the
 * header, the protection or the decrypted frames do not hold together.
 */
export function decryptInitialClientHello(b: Uint8Array, version: number): ClientHelloInfo | null {
  const dcidLen = u8(b, 5);
  if (dcidLen < 1 || dcidLen > 20) return null;
  const dcid = b.subarray(6, 6 + dcidLen);
  let p = 6 + dcidLen;
  const scidLen = u8(b, p);
  if (scidLen < 0 || scidLen > 20) return null;
  p += 1 + scidLen;
  const token = readVarint(b, p);
  if (token === null) return null;
  p = token[1] + token[0];
  const length = readVarint(b, p);
  if (length === null || length[0] < 20) return null;
  const pnOffset = length[1];
  const packetEnd = pnOffset + length[0];
  // Header protection samples 16 bytes starting 4 bytes after the packet number (§5.4.2).
  const sample = b.subarray(pnOffset + 4, pnOffset + 20);
  if (sample.length < 16) return null;
  const keys = clientInitialKeys(dcid, version);
  if (keys === null) return null;
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
  const mask = ecb.update(sample);
  const first = (b[0] ?? 0) ^ ((mask[0] ?? 0) & 0x0f);
  const pnLen = (first & 0x03) + 1;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) pn = pn * 256 + ((b[pnOffset + i] ?? 0) ^ (mask[1 + i] ?? 0));
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 4; i++) nonce[11 - i] = (nonce[11 - i] ?? 0) ^ ((pn >>> (8 * i)) & 0xff);
  // GCM encrypts the payload with counter blocks starting at J0 + 1 = nonce || 0x00000002.
  const counter = Buffer.concat([nonce, Buffer.from([0, 0, 0, 2])]);
  const ctr = createCipheriv('aes-128-ctr', keys.key, counter);
  const cipherEnd = Math.min(b.length, packetEnd - 16);
  if (cipherEnd <= pnOffset + pnLen) return null;
  const plain = ctr.update(b.subarray(pnOffset + pnLen, cipherEnd));
  const crypto = cryptoStream(plain);
  if (crypto.length < 4 || crypto[0] !== 1) return null;
  const hsLen = ((crypto[1] ?? 0) << 16) | ((crypto[2] ?? 0) << 8) | (crypto[3] ?? 0);
  return parseClientHelloBody(crypto, 4, 4 + hsLen);
}
