#!/usr/bin/env node
// Runs node:test over TypeScript test files. Node 20's --test does not expand globs or
// pick up .ts files, so this finds them and hands the list over.
//   run-tests.mjs [--integration] [dir or test file…]
//   unit files: *.test.ts; integration files (need Kafka, registry, Redis): *.int.test.ts
//   SEED=<n> replays the fast-check seed a failed run printed (scripts/fc-seed.mjs)
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const integration = args.includes('--integration');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) dirs.push('test');

function walk(dir, out) {
  // A test file named directly runs alone (replaying one failure).
  if (/\.test\.ts$/.test(dir) && statSync(dir, { throwIfNoEntry: false })?.isFile()) {
    out.push(relative(process.cwd(), dir));
    return out;
  }
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (
      integration
        ? name.endsWith('.int.test.ts')
        : name.endsWith('.test.ts') && !name.endsWith('.int.test.ts')
    )
      out.push(relative(process.cwd(), path));
  }
  return out;
}

const files = dirs.flatMap((d) => walk(d, [])).sort();
if (files.length === 0) {
  console.log(`no ${integration ? 'integration' : 'unit'} test files under ${dirs.join(', ')}`);
  process.exit(0);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    // One fast-check seed per run, printed on failure; SEED=<n> replays it (see fc-seed.mjs).
    '--import',
    pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'fc-seed.mjs')).href,
    '--conditions=source',
    '--test',
    '--test-concurrency=1',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
