import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, retryOnPortClash } from './ports.js';
import {
  ServerStartError,
  awaitReady,
  spawnServer,
  stopServer,
  type SpawnedServer,
} from './process.js';
import type { ServerHandle, StartOptions } from './types.js';

const execFileAsync = promisify(execFile);

export interface RedisHandle extends ServerHandle {
  readonly name: 'redis';
  /** Stops the server (the port stays reserved for us only by convention). */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port; data is not kept. */
  restart(): Promise<void>;
  /** Whether our redis-server process is running now. */
  isRunning(): boolean;
}

/** "Redis server v=7.0.15 sha=…" → "7.0.15". */
export function parseRedisVersion(banner: string): string | undefined {
  return /v=(\d+\.\d+\.\d+)/.exec(banner)?.[1];
}

export async function redisServerVersion(binary = 'redis-server'): Promise<string> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], { timeout: 10_000 });
    return parseRedisVersion(stdout) ?? stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ServerStartError(
        'redis-server not found: run scripts/bootstrap.sh or apt-get install redis-server',
      );
    }
    throw error;
  }
}

/** Sends an inline PING and expects +PONG: a dependency-free readiness probe. */
export function redisPing(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Starts a private redis-server on a free port with no persistence, so fault tests can
 * stop and restart it without touching the machine's own Redis on 6379.
 */
export function startRedis(options: StartOptions = {}): Promise<RedisHandle> {
  return retryOnPortClash(() => startRedisOnce(options));
}

async function startRedisOnce(options: StartOptions): Promise<RedisHandle> {
  const version = await redisServerVersion();
  const workDir = await mkdtemp(join(tmpdir(), 'opaqueflow-redis-'));
  const logFile = join(workDir, 'server.log');
  const port = await freePort();
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let proc: SpawnedServer | undefined;

  const launch = async (): Promise<void> => {
    const next = spawnServer(
      `redis ${version}`,
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        workDir,
        '--daemonize',
        'no',
        '--logfile',
        '',
      ],
      { cwd: workDir, logFile, workDir },
    );
    proc = next;
    await awaitReady(next, () => redisPing(port), timeoutMs, 50, options.signal);
  };
  const kill = async (): Promise<void> => {
    if (proc) await stopServer(proc, 10_000);
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await kill();
      if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    })());

  const started = Date.now();
  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: 'redis',
    address: `redis://127.0.0.1:${port}`,
    version,
    port,
    external: false,
    prepareMs: 0,
    startupMs: Date.now() - started,
    cacheHit: true,
    logFile,
    stop,
    kill,
    restart: async () => {
      if (stopped) throw new ServerStartError('redis: restart() after stop()');
      await kill();
      await launch();
    },
    isRunning: () => proc !== undefined && !proc.hasExited(),
  };
}
