#!/usr/bin/env node
// Keeps TypeScript project references in step with workspace dependencies, so that
// `tsc -b` builds packages in dependency order. Run after adding a workspace dependency.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['libs', 'services'];
const packages = new Map();
for (const root of roots) {
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    packages.set(pkg.name, { dir, pkg });
  }
}
const check = process.argv.includes('--check');
let stale = false;
for (const { dir, pkg } of packages.values()) {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const refs = Object.keys(deps)
    .filter((d) => packages.has(d))
    .sort()
    .map((d) => ({ path: relative(dir, packages.get(d).dir) }));
  const file = join(dir, 'tsconfig.json');
  const tsconfig = JSON.parse(readFileSync(file, 'utf8'));
  const next = { ...tsconfig, references: refs };
  if (refs.length === 0) delete next.references;
  const text = JSON.stringify(next, null, 2) + '\n';
  if (JSON.stringify(next) !== JSON.stringify(tsconfig)) {
    stale = true;
    if (!check) writeFileSync(file, text);
  }
}
const build = {
  files: [],
  references: [...packages.values()]
    .map(({ dir }) => ({ path: dir }))
    .sort((a, b) => a.path.localeCompare(b.path)),
};
const buildText = JSON.stringify(build, null, 2) + '\n';
if (
  !existsSync('tsconfig.build.json') ||
  buildText !== readFileSync('tsconfig.build.json', 'utf8')
) {
  stale = true;
  if (!check) writeFileSync('tsconfig.build.json', buildText);
}
if (check && stale) {
  console.error('tsconfig references are stale: run node scripts/sync-tsconfig-refs.mjs');
  process.exit(1);
}
