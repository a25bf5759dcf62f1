// TLS 1.2 and 1.3 through node:tls with a certificate made at run time.
import { createServer, connect, type ConnectionOptions } from 'node:tls';
import { generate } from 'selfsigned';
import { listenTcp, recordTcp } from '../record.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

interface Credentials {
  readonly key: string;
  readonly cert: string;
}

let credentials: Promise<Credentials> | undefined;

/** One EC certificate per run: small handshakes and no RSA key generation cost. */
export function serverCredentials(): Promise<Credentials> {
  credentials ??= generate([{ name: 'commonName', value: 'corpus.opaqueflow.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  }).then((p) => ({ key: p.private, cert: p.cert }));
  return credentials;
}

const SNI_NAMES = ['www.example.com', 'api.example.net', 'cdn.example.org', 'login.example.com'];

interface TlsVariant {
  readonly version: 'TLSv1.2' | 'TLSv1.3';
  readonly sni: boolean;
  readonly alpn: boolean;
  /** Resume a session from an earlier (unrecorded) connection: a ticket in the ClientHello. */
  readonly resume?: boolean;
  /** A long, CDN-style server name: with a ticket, a ClientHello of several hundred bytes. */
  readonly longSni?: boolean;
  /** Key-exchange groups the server accepts; one the client did not send a share for forces a HelloRetryRequest. */
  readonly serverGroups?: string;
}

/** One client connection; resolves with the session (ticket) the server issued, if any. */
function tlsClient(opts: ConnectionOptions, request: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    const c = connect(opts, () => c.write(request));
    c.on('session', (s: Buffer) => (session = s));
    c.on('data', () => undefined);
    c.on('end', () => {
      c.end();
      resolve(session);
    });
    c.on('error', reject);
  });
}

function longServerName(ctx: FlowContext): string {
  const label = (): string => ctx.rng.bytes(ctx.rng.int(20, 30)).toString('hex').slice(0, 40);
  return `${label()}.${label()}.${label()}.edge.cdn.example.net`;
}

/** A TLS exchange carrying an HTTP-like request and a response of random size. */
export async function tlsExchange(ctx: FlowContext, v: TlsVariant): Promise<FlowOutcome> {
  const { key, cert } = await serverCredentials();
  const responseSize = ctx.rng.int(200, 6000);
  const body = ctx.rng.bytes(responseSize).toString('base64');
  const server = createServer(
    {
      key,
      cert,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(v.serverGroups ? { ecdhCurve: v.serverGroups } : {}),
    },
    (s) => {
      s.once('data', () =>
        s.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`),
      );
      s.on('error', () => s.destroy());
    },
  );
  const listening = await listenTcp(server);
  const servername = v.longSni ? longServerName(ctx) : v.sni ? ctx.rng.pick(SNI_NAMES) : undefined;
  const alpn = v.alpn ? ['h2', 'http/1.1'] : undefined;
  const request = `GET /${ctx.index} HTTP/1.1\r\nhost: ${servername ?? 'corpus'}\r\n\r\n`;
  const base: ConnectionOptions = {
    host: '127.0.0.1',
    rejectUnauthorized: false,
    minVersion: v.version,
    maxVersion: v.version,
    ...(servername ? { servername } : {}),
    ...(alpn ? { ALPNProtocols: alpn } : {}),
  };
  try {
    const session = v.resume
      ? await tlsClient({ ...base, port: listening.port }, request)
      : undefined;
    if (v.resume && !session) throw new Error('the server issued no session ticket to resume');
    const transcript = await recordTcp(listening, async (port) => {
      await tlsClient({ ...base, port, ...(session ? { session } : {}) }, request);
    });
    const parts = [v.version, servername ? `SNI ${servername}` : 'no SNI'];
    if (v.resume) parts.push('resumed session');
    if (v.serverGroups) parts.push(`HelloRetryRequest for ${v.serverGroups}`);
    if (alpn) parts.push(`ALPN ${alpn.join(',')}`);
    return { transcript, detail: parts.join(', ') };
  } finally {
    await listening.close();
  }
}

function tlsClass(
  name: string,
  ports: readonly number[],
  v: TlsVariant,
  description: string,
  clientMss?: number,
): FlowClass {
  return {
    name,
    ...(clientMss ? { clientMss } : {}),
    label: 'tls',
    transport: 'tcp',
    ports,
    ipv6: true,
    reproducible: false,
    description,
    make: (ctx) => tlsExchange(ctx, v),
  };
}

export const TLS_ODD_PORTS = [8443, 4444, 31337, 9001, 10443];

export const tlsClasses: readonly FlowClass[] = [
  tlsClass(
    'tls13-443-sni-alpn',
    [443],
    { version: 'TLSv1.3', sni: true, alpn: true },
    'TLS 1.3 (node:tls) on 443 with SNI and ALPN',
  ),
  tlsClass(
    'tls12-443-sni',
    [443],
    { version: 'TLSv1.2', sni: true, alpn: false },
    'TLS 1.2 (node:tls) on 443 with SNI, no ALPN',
  ),
  tlsClass(
    'tls13-odd-port-nosni',
    TLS_ODD_PORTS,
    { version: 'TLSv1.3', sni: false, alpn: false },
    'TLS 1.3 (node:tls) on non-standard ports, no SNI, no ALPN',
  ),
  tlsClass(
    'tls12-odd-port-alpn',
    TLS_ODD_PORTS,
    { version: 'TLSv1.2', sni: false, alpn: true },
    'TLS 1.2 (node:tls) on non-standard ports, no SNI, offering h2 and http/1.1 by ALPN',
  ),
];

/** Appended to the catalogue after the first classes, so they keep their addresses. */
export const tlsSplitClasses: readonly FlowClass[] = [
  tlsClass(
    'tls13-split-hello',
    [443, 8443],
    { version: 'TLSv1.3', sni: true, alpn: true, resume: true, longSni: true },
    'TLS 1.3 resumption (session ticket, long CDN server name) from a client advertising MSS 536: the ClientHello spans two TCP segments',
    536,
  ),
];

/** Appended after the split-hello class. */
export const tlsRetryClasses: readonly FlowClass[] = [
  tlsClass(
    'tls13-hello-retry',
    [443, 8443, 4443],
    { version: 'TLSv1.3', sni: true, alpn: true, serverGroups: 'P-384' },
    'TLS 1.3 where the server wants a group the client sent no key share for: ClientHello, HelloRetryRequest, second ClientHello',
  ),
];
