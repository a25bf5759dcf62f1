import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A private redis-server for the outage test. Unlike a cache, the scorer's Redis must keep
 * its state across a restart (production runs it with persistence or a replica), so this
 * one writes an append-only file fsynced on every write and reloads it on restart.
 */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(
      await freePort(),
      await mkdtemp(join(tmpdir(), 'opaqueflow-scoring-redis-')),
    );
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  private async launch(): Promise<void> {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        this.dir,
        '--logfile',
        join(this.dir, 'server.log'),
      ],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      if (await this.ping()) return;
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 15 s');
      await sleep(50);
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      import('node:net')
        .then(({ connect }) => {
          const s = connect({ port: this.port, host: '127.0.0.1' });
          s.setTimeout(500, () => {
            s.destroy();
            resolve(false);
          });
          s.once('error', () => resolve(false));
          s.once('connect', () => s.write('PING\r\n'));
          s.once('data', (d: Buffer) => {
            s.destroy();
            resolve(d.toString().startsWith('+PONG'));
          });
        })
        .catch(() => resolve(false));
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc === null || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    this.proc = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
