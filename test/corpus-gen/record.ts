// Records what real client and server code wrote, over real 127.0.0.1 sockets: a relay sits
// between them and notes every chunk it reads, in order, and every half-close. Loopback
// reads keep the senders' write boundaries closely enough for packet synthesis.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Side, Transcript, TranscriptEvent } from './transcript.js';

const FLOW_TIMEOUT_MS = 15_000;

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function listenTcp(server: Server): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Servers with keep-alive sockets (http) would otherwise hold close() open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), FLOW_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `client(port)` against `server` through a recording relay and returns what crossed
 * it. The client must finish its exchange and close its connection.
 */
export async function recordTcp(
  server: ListeningServer,
  client: (port: number) => Promise<void>,
): Promise<Transcript> {
  const events: TranscriptEvent[] = [];
  let done!: () => void;
  let failed!: (e: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const relay = createServer({ allowHalfOpen: true }, (down: Socket) => {
    const up = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    down.setNoDelay(true);
    up.setNoDelay(true);
    let closed = 0;
    const onClose = (): void => {
      if (++closed === 2) done();
    };
    const wire = (from: Side, src: Socket, dst: Socket): void => {
      src.on('data', (data: Buffer) => {
        // Consecutive reads from one side are one write burst (ssh2, for one, writes a
        // packet's length and body separately): merge them as a socket buffer would.
        const last = events.at(-1);
        if (last?.kind === 'data' && last.from === from)
          events[events.length - 1] = {
            kind: 'data',
            from,
            data: Buffer.concat([last.data, data]),
          };
        else events.push({ kind: 'data', from, data: Buffer.from(data) });
        dst.write(data);
      });
      src.on('end', () => {
        events.push({ kind: 'fin', from });
        dst.end();
      });
      src.on('error', () => dst.destroy());
      src.on('close', onClose);
    };
    wire('client', down, up);
    wire('server', up, down);
  });
  relay.on('error', (e) => failed(e));
  const listening = await listenTcp(relay);
  try {
    await withTimeout(
      Promise.all([client(listening.port), finished]).then(() => undefined),
      'TCP exchange',
    );
  } finally {
    await listening.close();
  }
  return { transport: 'tcp', events };
}

/** A UDP socket bound on loopback that notes every datagram it receives. */
export interface UdpPeer {
  readonly socket: UdpSocket;
  readonly port: number;
  close(): Promise<void>;
}

export async function bindUdp(onMessage: (msg: Buffer, port: number) => void): Promise<UdpPeer> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => onMessage(Buffer.from(msg), rinfo.port));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    socket,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
