// The benchmark compares the TypeScript entropy loop with bench/entropy.c; this keeps the C
// side honest in CI: it must build with gcc -O2 and compute the same entropies on the same
// buffers. gcc comes with the test tools (scripts/bootstrap.sh --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shannonEntropy } from '../src/randomness/analyse.js';
import { seededBytes } from './flow.js';

const hasGcc = spawnSync('gcc', ['--version']).status === 0;

test('entropy.c builds and agrees with shannonEntropy', () => {
  assert.ok(hasGcc, 'gcc not found: run scripts/bootstrap.sh --test (Debian build-essential)');
  const work = mkdtempSync(join(tmpdir(), 'opaqueflow-entropy-test-'));
  try {
    const blob = seededBytes(1 << 18, 7);
    const blobPath = join(work, 'blob.bin');
    writeFileSync(blobPath, blob);
    const binary = join(work, 'entropy');
    const source = fileURLToPath(new URL('../bench/entropy.c', import.meta.url));
    execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', binary, source, '-lm']);
    const sizes = [1, 7, 64, 255, 256, 1024, 16_384];
    const out = execFileSync(binary, [blobPath, '5', ...sizes.map(String)], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    assert.equal(lines.length, sizes.length);
    for (const line of lines) {
      const fields = Object.fromEntries(
        line.split(' ').map((kv) => kv.split('=') as [string, string]),
      );
      const size = Number(fields.size);
      const pool = Number(fields.pool);
      assert.equal(pool, Math.min(256, Math.max(1, Math.floor(65_536 / size))));
      let sum = 0;
      for (let i = 0; i < pool; i++) sum += shannonEntropy(blob.subarray(i * size, (i + 1) * size));
      assert.ok(
        Math.abs(sum - Number(fields.poolsum)) < 1e-6 * pool,
        `size ${size}: ${sum} vs ${fields.poolsum}`,
      );
      assert.ok(Number(fields.passes) > 0 && Number(fields.median_pass_seconds) > 0);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
