#!/usr/bin/env node
// From a source checkout, runs the TypeScript directly (so a stale build never answers);
// an installed package without src/ runs its build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(source)) {
  await import(pathToFileURL(built).href);
} else {
  // tsx resolved from here, not from the caller's directory: the bin works from anywhere.
  const tsx = import.meta.resolve('tsx');
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=source', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // The child does the work: pass stop signals on and leave with its exit status.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
