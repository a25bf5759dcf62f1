// Captures the bytes node:tls sends first (a real ClientHello) by pointing a TLS client at a
// plain TCP listener on 127.0.0.1 that records what arrives and hangs up.
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';

export async function captureClientHello(options: {
  servername?: string;
  alpn?: string[];
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const client = connect({
      host: '127.0.0.1',
      port,
      ...(options.servername !== undefined ? { servername: options.servername } : {}),
      ...(options.alpn !== undefined ? { ALPNProtocols: options.alpn } : {}),
      maxVersion: options.maxVersion ?? 'TLSv1.3',
      rejectUnauthorized: false,
    });
    client.on('error', () => resolve());
    client.on('close', () => resolve());
    setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000).unref();
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return Uint8Array.from(Buffer.concat(chunks));
}
