// Deterministic randomness for the generator: every key, nonce, padding length and payload
// that the generator (not a protocol library) chooses comes from here, so a seed reproduces
// a corpus wherever the protocol allows it.
import { createCipheriv, createHash } from 'node:crypto';

export class Rng {
  private readonly cipher;
  private pool = Buffer.alloc(0);

  /** A stream keyed by the seed and a label (class name, flow index…). */
  constructor(seed: string, label: string) {
    const key = createHash('sha256').update(`${seed}\0${label}`).digest();
    // AES-CTR over zeros is a fast deterministic keystream.
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }

  bytes(n: number): Buffer {
    if (this.pool.length < n) {
      const more = this.cipher.update(Buffer.alloc(Math.max(4096, n)));
      this.pool = Buffer.concat([this.pool, more]);
    }
    const out = Buffer.from(this.pool.subarray(0, n));
    this.pool = this.pool.subarray(n);
    return out;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.bytes(4).readUInt32BE(0) / 2 ** 32;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}
