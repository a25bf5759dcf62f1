import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Meter, Tracer } from '@opentelemetry/api';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { TelemetryError } from './errors.js';

export interface MetricsEndpointOptions {
  /** 0.0.0.0 in a pod; 127.0.0.1 in tests. */
  readonly host: string;
  /** 0 picks a free port (read it back from metricsUrl). */
  readonly port: number;
}

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** Where Prometheus scrapes /metrics; false for no endpoint (metrics still recorded). */
  readonly metrics: MetricsEndpointOptions | false;
  /** Where finished spans go (an OTLP or in-memory exporter wrapped in a processor). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /**
   * OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318): spans are
   * batched and sent to <endpoint>/v1/traces. Unset: no span export.
   */
  readonly otlpEndpoint?: string;
  /**
   * Install as the process-wide providers, propagator and async context manager (the default).
   * Tests that start several instances in one process pass false.
   */
  readonly registerGlobal?: boolean;
}

export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /**
   * Answers a Prometheus scrape on a server of the caller's (an ops server that also serves
   * /healthz and /readyz).
   */
  serveMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** e.g. http://127.0.0.1:9464/metrics; null when the endpoint is off. */
  readonly metricsUrl: string | null;
  readonly tracerProvider: NodeTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Flushes spans, stops the endpoint. Idempotent; never rejects. */
  shutdown(): Promise<void>;
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
  });
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint !== undefined)
    spanProcessors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` }),
      ),
    );
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  // The exporter's own server cannot listen on port 0 nor report its port, so it only
  // serialises and the endpoint is ours.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const meterProvider = new MeterProvider({ resource, readers: [exporter] });
  const registerGlobal = options.registerGlobal ?? true;
  if (registerGlobal) {
    tracerProvider.register();
    metrics.setGlobalMeterProvider(meterProvider);
  }

  let server: Server | null = null;
  let metricsUrl: string | null = null;
  if (options.metrics !== false) {
    const { host, port } = options.metrics;
    server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
        exporter.getMetricsRequestHandler(req, res);
      } else {
        res.statusCode = 404;
        res.end('not found\n');
      }
    });
    const listening = server;
    try {
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen({ host, port }, () => {
          listening.off('error', reject);
          resolve();
        });
      });
    } catch (cause) {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      throw new TelemetryError(
        'TELEMETRY_METRICS_SERVER_FAILED',
        `metrics endpoint cannot listen on ${host}:${port}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const address = listening.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    metricsUrl = `http://${shownHost}:${address.port}/metrics`;
  }

  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      const closing = server
        ? new Promise<void>((resolve) => {
            server?.close(() => resolve());
            server?.closeAllConnections();
          })
        : Promise.resolve();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), closing]);
      if (registerGlobal) {
        // Leaves the process as it was, so a later start (or a test) can register again.
        metrics.disable();
        trace.disable();
        propagation.disable();
        context.disable();
      }
    })();
    return stopping;
  };

  return Object.freeze({
    serveMetrics: (req: IncomingMessage, res: ServerResponse) =>
      exporter.getMetricsRequestHandler(req, res),
    tracer: tracerProvider.getTracer('opaqueflow', options.serviceVersion),
    meter: meterProvider.getMeter('opaqueflow', options.serviceVersion),
    metricsUrl,
    tracerProvider,
    meterProvider,
    shutdown,
  });
}
