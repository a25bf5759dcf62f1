import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('an unknown command exits non-zero with a one-line reason', () => {
  const r = run('frobnicate');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('help lists the commands', () => {
  const r = run('help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /analyze \[--all\] \[--format jsonl\|table\]/);
});
