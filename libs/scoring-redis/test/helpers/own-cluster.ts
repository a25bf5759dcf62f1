import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

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

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * A private three-master Redis Cluster on free ports (no replicas, no persistence), built
 * with CLUSTER ADDSLOTSRANGE and CLUSTER MEET, so only redis-server is needed.
 */
export class OwnCluster {
  private readonly procs: ChildProcess[] = [];
  private constructor(
    readonly ports: readonly number[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<OwnCluster> {
    const ports: number[] = [];
    while (ports.length < masters) {
      const p = await freePort();
      // The cluster bus listens on port + 10000: both must be free and below 65536.
      if (p + 10_000 < 65_536 && !ports.includes(p)) ports.push(p);
    }
    const cluster = new OwnCluster(ports, await mkdtemp(join(tmpdir(), 'opaqueflow-cluster-')));
    try {
      await cluster.launch();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  get nodes(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  private async launch(): Promise<void> {
    for (const port of this.ports) {
      const dir = join(this.dir, String(port));
      await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      this.procs.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '3000',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
            '--logfile',
            join(dir, 'server.log'),
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    const clients = this.ports.map(
      (port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 }),
    );
    try {
      for (const c of clients) {
        c.on('error', () => undefined);
        await until('redis-server up', async () => (await c.ping()) === 'PONG');
      }
      const per = Math.ceil(16_384 / clients.length);
      for (let i = 0; i < clients.length; i++) {
        const from = i * per;
        const to = Math.min(16_383, from + per - 1);
        await clients[i]!.call('CLUSTER', 'ADDSLOTSRANGE', String(from), String(to));
      }
      for (const port of this.ports.slice(1))
        await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(port));
      for (const c of clients)
        await until('cluster state ok', async () =>
          String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        );
    } finally {
      for (const c of clients) c.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}
