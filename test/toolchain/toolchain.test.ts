import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

describe('toolchain install keeps verification on', () => {
  it('pins pnpm with a sha512 that corepack checks the download against', () => {
    const pkg = JSON.parse(read('package.json')) as { packageManager?: string };
    assert.match(pkg.packageManager ?? '', /^pnpm@\d+\.\d+\.\d+\+sha512\.[0-9a-f]{128}$/);
  });

  for (const script of ['.ci/run', 'scripts/bootstrap.sh']) {
    it(`${script} never turns corepack's integrity check off`, () => {
      const assignments = read(script)
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('#'))
        .filter((line) => /COREPACK_INTEGRITY_KEYS=/.test(line));
      assert.deepEqual(assignments, []);
    });
  }
});
