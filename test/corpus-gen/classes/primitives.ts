// Cryptographic pieces node:crypto lacks for WireGuard: keyed BLAKE2s with a chosen output
// length (RFC 7693; WireGuard's MAC) and XChaCha20-Poly1305 (its cookie AEAD), plus raw
// X25519 keys.
import {
  createCipheriv,
  createHmac,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';

const IV = new Uint32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
] as const;

const rotr = (x: number, n: number): number => ((x >>> n) | (x << (32 - n))) >>> 0;

function compress(h: Uint32Array, block: Buffer, t: number, last: boolean): void {
  const v = new Uint32Array(16);
  v.set(h, 0);
  v.set(IV, 8);
  v[12]! ^= t >>> 0;
  v[13]! ^= Math.floor(t / 2 ** 32) >>> 0;
  if (last) v[14]! ^= 0xffffffff;
  const m = new Uint32Array(16);
  for (let i = 0; i < 16; i++) m[i] = block.readUInt32LE(i * 4);
  const g = (a: number, b: number, c: number, d: number, x: number, y: number): void => {
    v[a] = (v[a]! + v[b]! + x) >>> 0;
    v[d] = rotr(v[d]! ^ v[a], 16);
    v[c] = (v[c]! + v[d]) >>> 0;
    v[b] = rotr(v[b]! ^ v[c], 12);
    v[a] = (v[a] + v[b] + y) >>> 0;
    v[d] = rotr(v[d] ^ v[a], 8);
    v[c] = (v[c] + v[d]) >>> 0;
    v[b] = rotr(v[b] ^ v[c], 7);
  };
  for (const s of SIGMA) {
    g(0, 4, 8, 12, m[s[0]]!, m[s[1]]!);
    g(1, 5, 9, 13, m[s[2]]!, m[s[3]]!);
    g(2, 6, 10, 14, m[s[4]]!, m[s[5]]!);
    g(3, 7, 11, 15, m[s[6]]!, m[s[7]]!);
    g(0, 5, 10, 15, m[s[8]]!, m[s[9]]!);
    g(1, 6, 11, 12, m[s[10]]!, m[s[11]]!);
    g(2, 7, 8, 13, m[s[12]]!, m[s[13]]!);
    g(3, 4, 9, 14, m[s[14]]!, m[s[15]]!);
  }
  for (let i = 0; i < 8; i++) h[i] = (h[i]! ^ v[i]! ^ v[i + 8]!) >>> 0;
}

/** BLAKE2s (RFC 7693) with an optional key of up to 32 bytes and a 1–32 byte digest. */
export function blake2s(data: Buffer, outLen = 32, key: Buffer = Buffer.alloc(0)): Buffer {
  if (outLen < 1 || outLen > 32 || key.length > 32) throw new RangeError('blake2s parameters');
  const h = new Uint32Array(IV);
  h[0]! ^= 0x01010000 ^ (key.length << 8) ^ outLen;
  const input = key.length > 0 ? Buffer.concat([key, Buffer.alloc(64 - key.length), data]) : data;
  let t = 0;
  let off = 0;
  // Every block but the last is compressed as not-final; an empty input is one zero block.
  while (input.length - off > 64) {
    t += 64;
    compress(h, input.subarray(off, off + 64), t, false);
    off += 64;
  }
  const last = Buffer.alloc(64);
  input.copy(last, 0, off);
  t += input.length - off;
  compress(h, last, t, true);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32LE(h[i]!, i * 4);
  return out.subarray(0, outLen);
}

export const hash = (...parts: Buffer[]): Buffer =>
  createHash('blake2s256').update(Buffer.concat(parts)).digest();

export const hmac = (key: Buffer, ...parts: Buffer[]): Buffer =>
  createHmac('blake2s256', key).update(Buffer.concat(parts)).digest();

/** WireGuard's KDF_n (HKDF with HMAC-BLAKE2s): n 32-byte outputs. */
export function kdf(n: 1 | 2 | 3, key: Buffer, input: Buffer): Buffer[] {
  const prk = hmac(key, input);
  const out: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 1; i <= n; i++) {
    prev = hmac(prk, prev, Buffer.from([i]));
    out.push(prev);
  }
  return out;
}

/** ChaCha20-Poly1305 (RFC 8439) with a 64-bit little-endian counter nonce, as WireGuard uses. */
export function aeadSeal(key: Buffer, counter: bigint, plain: Buffer, ad: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(counter, 4);
  return chachaPolySeal(key, nonce, plain, ad);
}

function chachaPolySeal(key: Buffer, nonce: Buffer, plain: Buffer, ad: Buffer): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(ad, { plaintextLength: plain.length });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

const SIGMA_WORDS = Buffer.from('expand 32-byte k');

/**
 * HChaCha20 from node's ChaCha20: a ChaCha20 block is the permuted state plus the input
 * state, so subtracting the input words recovers the permutation HChaCha20 outputs.
 */
export function hchacha20(key: Buffer, nonce16: Buffer): Buffer {
  const block = createCipheriv('chacha20', key, nonce16).update(Buffer.alloc(64));
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) {
    const w = block.readUInt32LE(i * 4) - SIGMA_WORDS.readUInt32LE(i * 4);
    out.writeUInt32LE(w >>> 0, i * 4);
    const w2 = block.readUInt32LE((12 + i) * 4) - nonce16.readUInt32LE(i * 4);
    out.writeUInt32LE(w2 >>> 0, 16 + i * 4);
  }
  return out;
}

/** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): HChaCha20 subkey, then ChaCha20-Poly1305. */
export function xaeadSeal(key: Buffer, nonce24: Buffer, plain: Buffer, ad: Buffer): Buffer {
  const subkey = hchacha20(key, nonce24.subarray(0, 16));
  const nonce = Buffer.concat([Buffer.alloc(4), nonce24.subarray(16, 24)]);
  return chachaPolySeal(subkey, nonce, plain, ad);
}

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

export interface X25519Key {
  readonly privateKey: KeyObject;
  readonly publicRaw: Buffer;
}

/** An X25519 key pair from 32 seed bytes (clamped by X25519 itself). */
export function x25519FromSeed(seed: Buffer): X25519Key {
  const privateKey = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicRaw = createPublicKey(privateKey)
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
  return { privateKey, publicRaw: Buffer.from(publicRaw) };
}

export function x25519(mine: X25519Key, theirPublic: Buffer): Buffer {
  const publicKey = createPublicKey({
    key: Buffer.concat([X25519_SPKI, theirPublic]),
    format: 'der',
    type: 'spki',
  });
  return diffieHellman({ privateKey: mine.privateKey, publicKey });
}
