// A real node:tls handshake and a little application data over an in-memory stream pair,
// for protocols that carry TLS inside their own framing (OpenVPN's control channel).
import { Duplex } from 'node:stream';
import { TLSSocket, connect, createSecureContext } from 'node:tls';
import type { Side } from '../transcript.js';
import { serverCredentials } from './tls.js';

export interface TlsWrite {
  readonly from: Side;
  readonly data: Buffer;
}

/** Runs a TLS session and returns the records each side wrote, consecutive writes merged. */
export async function tlsInMemory(opts: {
  readonly clientData: Buffer;
  readonly serverData: Buffer;
  readonly version: 'TLSv1.2' | 'TLSv1.3';
}): Promise<TlsWrite[]> {
  const { key, cert } = await serverCredentials();
  const writes: TlsWrite[] = [];
  const record = (from: Side, data: Buffer): void => {
    const last = writes.at(-1);
    if (last?.from === from)
      writes[writes.length - 1] = { from, data: Buffer.concat([last.data, data]) };
    else writes.push({ from, data: Buffer.from(data) });
  };
  // eslint-disable-next-line prefer-const -- the two ends refer to each other
  let serverEnd: Duplex;
  const clientEnd: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      record('client', chunk);
      serverEnd.push(chunk);
      cb();
    },
    final(cb) {
      serverEnd.push(null);
      cb();
    },
  });
  serverEnd = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      record('server', chunk);
      clientEnd.push(chunk);
      cb();
    },
    final(cb) {
      clientEnd.push(null);
      cb();
    },
  });
  const server = new TLSSocket(serverEnd, {
    isServer: true,
    secureContext: createSecureContext({ key, cert, minVersion: 'TLSv1.2' }),
  });
  server.on('data', () => server.end(opts.serverData));
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const client = connect(
      {
        socket: clientEnd,
        rejectUnauthorized: false,
        minVersion: opts.version,
        maxVersion: opts.version,
      },
      () => client.write(opts.clientData),
    );
    client.on('data', () => undefined);
    client.on('end', () => {
      client.end();
      resolve();
    });
    client.on('error', reject);
  });
  return writes;
}
