import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { blake2s, hchacha20, x25519, x25519FromSeed } from './primitives.js';

test('blake2s matches RFC 7693 and node for unkeyed 256-bit digests', () => {
  assert.equal(
    blake2s(Buffer.from('abc')).toString('hex'),
    '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
  );
  assert.equal(
    blake2s(Buffer.alloc(0)).toString('hex'),
    '69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9',
  );
  for (const n of [1, 63, 64, 65, 128, 1000]) {
    const data = randomBytes(n);
    assert.ok(blake2s(data).equals(createHash('blake2s256').update(data).digest()), `length ${n}`);
  }
});

test('keyed blake2s-128 matches Python hashlib (reference values)', () => {
  assert.equal(
    blake2s(Buffer.from('abc'), 16, Buffer.from('key')).toString('hex'),
    '94fdf6f35b9999920dcdcaee361ad435',
  );
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const data = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i));
  assert.equal(blake2s(data(100), 16, key).toString('hex'), '0b67d33f8b859c3157fbabd9e6e47ed0');
  assert.equal(blake2s(data(64), 16, key).toString('hex'), 'f1efa90d2547036841ecd3627fafbc36');
});

test('hchacha20 matches the draft-irtf-cfrg-xchacha test vector', () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const nonce = Buffer.from('000000090000004a0000000031415927', 'hex');
  assert.equal(
    hchacha20(key, nonce).toString('hex'),
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
  );
});

test('x25519 key agreement is symmetric', () => {
  const a = x25519FromSeed(randomBytes(32));
  const b = x25519FromSeed(randomBytes(32));
  assert.ok(x25519(a, b.publicRaw).equals(x25519(b, a.publicRaw)));
});
