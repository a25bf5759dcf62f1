import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceError } from './errors.js';
import type { LifecycleState } from './lifecycle.js';
import type { ReadinessReport } from './readiness.js';

/** A probe's answer, framework-free so a Fastify service can mount the same checks. */
export interface ProbeAnswer {
  readonly statusCode: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface OpsSources {
  readonly service: string;
  readonly state: () => LifecycleState;
  readonly readiness: () => Promise<ReadinessReport>;
  /** Serves a Prometheus scrape (libs/telemetry's serveMetrics). */
  readonly metrics: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Liveness: answering at all proves the event loop runs; draining is still alive. */
export function healthAnswer(sources: OpsSources): ProbeAnswer {
  return {
    statusCode: 200,
    body: { status: 'ok', service: sources.service, state: sources.state() },
  };
}

/** Readiness: running and every dependency connected; false from the first stop signal. */
export async function readinessAnswer(sources: OpsSources): Promise<ProbeAnswer> {
  const state = sources.state();
  const report = await sources.readiness();
  const ready = state === 'running' && report.ready;
  return {
    statusCode: ready ? 200 : 503,
    body: {
      status: ready ? 'ready' : 'not ready',
      service: sources.service,
      state,
      checks: report.checks,
    },
  };
}

export interface OpsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, answer: ProbeAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * /healthz, /readyz and /metrics on one port (METRICS_HOST:METRICS_PORT). Three fixed GET
 * routes need no framework; the query service mounts healthAnswer/readinessAnswer on its own.
 */
export async function startOpsServer(
  sources: OpsSources,
  listen: { readonly host: string; readonly port: number },
): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') send(res, healthAnswer(sources));
    else if (path === '/readyz')
      readinessAnswer(sources).then(
        (answer) => send(res, answer),
        () => send(res, { statusCode: 503, body: { status: 'not ready' } }),
      );
    else if (path === '/metrics') sources.metrics(req, res);
    else send(res, { statusCode: 404, body: { status: 'not found' } });
  });
  // Probes are short; a slow client must not hold a socket through a shutdown.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: listen.host, port: listen.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    throw new ServiceError(
      'SERVICE_OPS_LISTEN_FAILED',
      `ops endpoints cannot listen on ${listen.host}:${listen.port}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return Object.freeze({
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  });
}
