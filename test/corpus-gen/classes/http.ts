// HTTP/1.1 through node:http, plain and with gzip-encoded bodies.
import { createServer, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenTcp, recordTcp } from '../record.js';
import type { Rng } from '../rng.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const PATHS = ['/', '/index.html', '/api/v1/items', '/static/app.js', '/status'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'flow', 'packet', 'entropy', 'port', 'node'];

/** Compressible text, as web pages and JSON are. */
export function textBody(rng: Rng, size: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const w = rng.pick(WORDS);
    parts.push(w);
    n += w.length + 1;
  }
  return `<html><body><p>${parts.join(' ')}</p></body></html>\n`;
}

async function httpExchange(ctx: FlowContext, gzip: boolean): Promise<FlowOutcome> {
  const body = textBody(ctx.rng, ctx.rng.int(300, 8000));
  const path = ctx.rng.pick(PATHS);
  const server = createServer((req, res) => {
    req.resume();
    const payload = gzip ? gzipSync(body) : Buffer.from(body);
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': payload.length,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(payload);
  });
  server.keepAliveTimeout = 1;
  const listening = await listenTcp(server);
  try {
    const transcript = await recordTcp(
      listening,
      (port) =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              path,
              headers: {
                host: 'www.example.com',
                'user-agent': 'corpus-gen/1',
                ...(gzip ? { 'accept-encoding': 'gzip' } : {}),
                connection: 'close',
              },
              agent: false,
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve());
            },
          );
          req.on('error', reject);
          req.end();
        }),
    );
    return { transcript, detail: `GET ${path}${gzip ? ', gzip body' : ''}` };
  } finally {
    await listening.close();
  }
}

export const httpClasses: readonly FlowClass[] = [
  {
    name: 'http-plain',
    label: 'plaintext',
    transport: 'tcp',
    ports: [80, 8080],
    ipv6: true,
    reproducible: false,
    description: 'HTTP/1.1 (node:http) GET with a text/html body',
    make: (ctx) => httpExchange(ctx, false),
  },
  {
    name: 'http-gzip',
    label: 'plaintext',
    transport: 'tcp',
    ports: [80, 8080, 8000],
    ipv6: true,
    reproducible: false,
    description:
      'HTTP/1.1 (node:http) GET answered with a gzip content-encoded body: plaintext headers, compressed body',
    make: (ctx) => httpExchange(ctx, true),
  },
];
