// Captures real protocol bytes from Node implementations over loopback: a TCP tap between a
// client and a server records what each side sends, bounded in size and time.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const here = new URL('./fixtures/', import.meta.url);
// A self-signed test-only certificate (CN=opaqueflow.test), committed so tests need no openssl.
export const TEST_KEY = readFileSync(new URL('test-key.pem', here));
export const TEST_CERT = readFileSync(new URL('test-cert.pem', here));

export interface Captured {
  readonly initiator: Buffer;
  readonly responder: Buffer;
}

const LIMIT = 16384;

/**
 * Runs `drive(port)` as a client against a tap on 127.0.0.1 that forwards to `serverPort`
 * and records both directions until the client finishes.
 */
export async function tap(
  serverPort: number,
  drive: (port: number) => Promise<void>,
): Promise<Captured> {
  const fwd: Buffer[] = [];
  const rev: Buffer[] = [];
  const sockets: net.Socket[] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect(serverPort, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (d: Buffer) => {
      if (Buffer.concat(fwd).length < LIMIT) fwd.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (Buffer.concat(rev).length < LIMIT) rev.push(d);
      client.write(d);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const port = (proxy.address() as net.AddressInfo).port;
  try {
    await drive(port);
  } finally {
    for (const s of sockets) s.destroy();
    proxy.close();
  }
  return { initiator: Buffer.concat(fwd), responder: Buffer.concat(rev) };
}

export interface TlsCaptureOptions {
  readonly minVersion?: tls.SecureVersion;
  readonly maxVersion?: tls.SecureVersion;
  readonly servername?: string;
  readonly alpn?: string[];
}

/** A real TLS handshake between node:tls client and server, captured on the wire. */
export async function captureTls(opts: TlsCaptureOptions): Promise<Captured> {
  const server = tls.createServer({
    key: TEST_KEY,
    cert: TEST_CERT,
    minVersion: opts.minVersion ?? 'TLSv1.2',
    maxVersion: opts.maxVersion ?? 'TLSv1.3',
    ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
  });
  server.on('secureConnection', (s) => s.end('hello'));
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const serverPort = (server.address() as net.AddressInfo).port;
  try {
    return await tap(serverPort, async (port) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        minVersion: opts.minVersion ?? 'TLSv1.2',
        maxVersion: opts.maxVersion ?? 'TLSv1.3',
        ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
        ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
      });
      socket.on('data', () => undefined);
      const timer = setTimeout(() => socket.destroy(), 5000);
      try {
        await once(socket, 'end');
      } finally {
        clearTimeout(timer);
        socket.destroy();
      }
    });
  } finally {
    server.close();
  }
}

/** Every way of cutting `b` to a first-packet prefix: the first 1, 2, 3, 5, 10, 20, … bytes. */
export function prefixes(b: Uint8Array): Uint8Array[] {
  const cuts = new Set<number>([
    1, 2, 3, 4, 5, 6, 8, 10, 16, 20, 32, 50, 64, 100, 128, 200, 256, 512,
  ]);
  const out: Uint8Array[] = [];
  for (const c of [...cuts].sort((x, y) => x - y)) if (c < b.length) out.push(b.subarray(0, c));
  return out;
}
