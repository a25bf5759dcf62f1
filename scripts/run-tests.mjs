#!/usr/bin/env node
// Runs node:test over TypeScript test files. Node 20's --test does not expand globs or
// pick up .ts files, so this finds them and hands the list over.
//   run-tests.mjs [--integration] [dir…]
//   unit files: *.test.ts; integration files (need Kafka, registry, Redis): *.int.test.ts
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const integration = args.includes('--integration');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) dirs.push('test');

function walk(dir, out) {
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
  ['--import', 'tsx', '--conditions=source', '--test', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
