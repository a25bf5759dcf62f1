import { connect, createServer } from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 by binding port 0, then releases it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel picked'));
      });
    });
  });
}

/**
 * Picks `count` distinct free ports. The kernel may hand out the same ephemeral port twice
 * once the first probe socket is closed, so duplicates are asked for again.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  let attempts = 0;
  while (ports.size < count) {
    if (++attempts > count * 20) throw new Error(`could not find ${count} distinct free ports`);
    ports.add(await freePort(host));
  }
  return [...ports];
}

/** What Kafka, Quarkus and Redis log when a port was taken between our probe and their bind. */
const PORT_CLASH = /address already in use|port \d+ seems to be in use/i;

/**
 * Runs `start` again (with fresh ports, which `start` picks itself) when it failed because
 * its port was taken meanwhile: a free port is only free until someone binds it, and any
 * outgoing connection on the machine may take an ephemeral port as its own.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !PORT_CLASH.test((error as Error).message)) throw error;
    }
  }
}

/** Whether something accepts TCP connections on host:port right now. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ port, host });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
