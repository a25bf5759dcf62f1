import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awaitReady, runToLog, spawnServer, stopServer, ServerStartError } from './process.js';
import { reapOrphans } from './reaper.js';

let dir: string;
const savedCache = process.env.OPAQUEFLOW_CACHE_DIR;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infra-process-'));
  process.env.OPAQUEFLOW_CACHE_DIR = join(dir, 'cache');
});

after(async () => {
  if (savedCache === undefined) delete process.env.OPAQUEFLOW_CACHE_DIR;
  else process.env.OPAQUEFLOW_CACHE_DIR = savedCache;
  await rm(dir, { recursive: true, force: true });
});

describe('server processes', () => {
  it('names the server and shows its log tail when it dies before ready', async () => {
    const logFile = join(dir, 'dies.log');
    const proc = spawnServer(
      'fake-broker',
      'sh',
      ['-c', 'echo starting; echo "port in use" >&2; exit 3'],
      {
        cwd: dir,
        logFile,
      },
    );
    await assert.rejects(
      awaitReady(proc, () => Promise.resolve(false), 10_000, 20),
      (e: unknown) =>
        e instanceof ServerStartError &&
        /fake-broker exited \(3\) before it was ready/.test(e.message) &&
        e.message.includes('port in use'),
    );
  });

  it('times out with the log tail, and stop() escalates to SIGKILL past the grace', async () => {
    const logFile = join(dir, 'hangs.log');
    // Ignores SIGTERM, like a server stuck in shutdown.
    const proc = spawnServer(
      'stuck-registry',
      'sh',
      ['-c', 'trap "" TERM; echo waiting; while :; do sleep 0.1; done'],
      {
        cwd: dir,
        logFile,
      },
    );
    // Once it has logged, its SIGTERM trap is set: no race with a slow start under load.
    await awaitReady(
      proc,
      async () => (await readFile(logFile, 'utf8')).includes('waiting'),
      30_000,
      20,
    );
    await assert.rejects(
      awaitReady(proc, () => Promise.resolve(false), 300, 20),
      /stuck-registry did not come up within 0\.3 s; last lines of .*\n(.*\n)*waiting/,
    );
    await stopServer(proc, 300);
    assert.equal(proc.hasExited(), true);
    // It ignored SIGTERM, so only the escalation can have ended it.
    assert.equal(await proc.exited, 'SIGKILL');
    await stopServer(proc); // idempotent
  });

  it('gives up waiting when aborted, naming the server', async () => {
    const proc = spawnServer('slow-broker', 'sleep', ['30'], {
      cwd: dir,
      logFile: join(dir, 'slow.log'),
    });
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGINT'), 50);
    await assert.rejects(
      awaitReady(proc, () => Promise.resolve(false), 60_000, 20, abort.signal),
      /slow-broker: start abandoned \(SIGINT\)/,
    );
    await stopServer(proc, 1000);
  });

  it('reports a failed one-shot command with its output', async () => {
    await assert.rejects(
      runToLog('storage format', 'sh', ['-c', 'echo "bad cluster id" >&2; exit 1'], {
        cwd: dir,
        logFile: join(dir, 'format.log'),
        timeoutMs: 10_000,
      }),
      /storage format failed \(1\)[^]*bad cluster id/,
    );
  });
});

describe('orphan reaper', () => {
  function deadPid(): number {
    // A child that has exited and been waited for: its pid names no process now.
    return spawnSync('true').pid ?? 999_999_999;
  }

  it('stops a server whose starter died, and only one still running in its work dir', async () => {
    const workDir = join(dir, 'orphan-work');
    mkdirSync(workDir);
    const orphan = spawnServer('orphaned-redis', 'sleep', ['30'], {
      cwd: workDir,
      logFile: join(dir, 'orphan.log'),
      workDir,
    });
    const records = join(dir, 'cache', 'running');
    const record = join(records, `${orphan.child.pid}.json`);
    assert.ok(existsSync(record));
    // Pretend a run that died started it. A second record names a live process group that
    // runs elsewhere (its pid reused by something not ours, say): that one must survive.
    const owner = deadPid();
    await writeFile(
      record,
      JSON.stringify({ ownerPid: owner, pid: orphan.child.pid, name: 'orphaned-redis', workDir }),
    );
    const stranger = spawnServer('stranger', 'sleep', ['30'], {
      cwd: dir,
      logFile: join(dir, 'stranger.log'),
    });
    const strangerPid = stranger.child.pid ?? 0;
    const strangerWork = join(dir, 'stranger-work');
    mkdirSync(strangerWork);
    await writeFile(
      join(records, `${strangerPid}.json`),
      JSON.stringify({
        ownerPid: owner,
        pid: strangerPid,
        name: 'stranger',
        workDir: strangerWork,
      }),
    );

    const reaped = await reapOrphans();
    assert.deepEqual(reaped, [`orphaned-redis (pid ${orphan.child.pid})`]);
    assert.notEqual(await orphan.exited, 0);
    assert.equal(existsSync(workDir), false);
    assert.equal(stranger.hasExited(), false, 'a process that is not ours was killed');
    assert.equal(existsSync(join(records, `${strangerPid}.json`)), false);
    assert.deepEqual(await reapOrphans(), []);
    await stopServer(stranger, 1000);
  });

  it('leaves servers of a live starter alone', async () => {
    const workDir = join(dir, 'live-work');
    mkdirSync(workDir);
    const proc = spawnServer('live', 'sleep', ['30'], {
      cwd: workDir,
      logFile: join(dir, 'live.log'),
      workDir,
    });
    try {
      assert.deepEqual(await reapOrphans(), []);
      assert.equal(proc.hasExited(), false);
    } finally {
      await stopServer(proc, 1000);
    }
    assert.equal(existsSync(join(dir, 'cache', 'running', `${proc.child.pid}.json`)), false);
  });
});
