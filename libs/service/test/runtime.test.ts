// The runtime as a real process: ops endpoints over HTTP, SIGTERM through the lifecycle to
// exit 0, readiness false while draining, and a bad configuration refused with exit 78.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

interface Run {
  readonly child: ReturnType<typeof spawn>;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function startFixture(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', FIXTURE], {
    env: { ...process.env, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onText = (sink: string[]) => (chunk: Buffer) => {
    sink.push(chunk.toString());
    const all = stderr.join('');
    for (const w of [...waiters]) {
      const m = all.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', onText(stdout));
  child.stderr.on('data', onText(stderr));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = stderr.join('').match(pattern);
        if (m) return resolve(m);
        waiters.push({ pattern, resolve });
        void exited.then(() =>
          reject(new Error(`exited before ${pattern}: ${stderr.join('')}${stdout.join('')}`)),
        );
      }),
  };
}

function logLines(run: Run): Record<string, unknown>[] {
  return run.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('ops endpoints answer; SIGTERM fails readiness, drains, and exits 0', async () => {
  const run = startFixture({ FIXTURE_DRAIN: '400ms', SHUTDOWN_GRACE: '5s' });
  try {
    const url = (await run.waitFor(/ops (http:\S+)/))[1]!;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { state: string }).state, 'running');
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { dependency: true });
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal((await fetch(`${url}/nothing`)).status, 404);
    assert.equal((await fetch(`${url}/healthz`, { method: 'POST' })).status, 405);

    run.child.kill('SIGTERM');
    await run.waitFor(/draining/);
    const during = await fetch(`${url}/readyz`);
    assert.equal(during.status, 503);
    assert.equal(((await during.json()) as { state: string }).state, 'draining');
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'alive while draining');
    assert.equal(await run.exited, 0);
    assert.match(run.stderr.join(''), /drained/);
    const stopped = logLines(run).find((l) => l.msg === 'stopped');
    assert.equal(stopped?.reason, 'SIGTERM');
    assert.equal(stopped?.exitCode, 0);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('a drain longer than grace + force is cut off with exit 1', async () => {
  const run = startFixture({
    FIXTURE_DRAIN: '60s',
    SHUTDOWN_GRACE: '200ms',
    SHUTDOWN_FORCE: '200ms',
  });
  try {
    await run.waitFor(/ops (http:\S+)/);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 1);
    assert.ok(logLines(run).some((l) => l.msg === 'shutdown did not finish: forcing exit'));
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('a bad configuration exits 78 naming every bad variable, before anything starts', async () => {
  const run = startFixture({ METRICS_PORT: 'ninety', SHUTDOWN_GRACE: 'soon', LOG_LEVEL: 'loud' });
  assert.equal(await run.exited, 78);
  const fatal = logLines(run).find((l) => l.level === 'fatal');
  const text = String(fatal?.msg);
  for (const v of ['METRICS_PORT', 'SHUTDOWN_GRACE', 'LOG_LEVEL'])
    assert.match(text, new RegExp(v));
  assert.doesNotMatch(run.stderr.join(''), /ops http/);
});
