import type { CommonConfig, ConfigDefinition, ConfigOf, ConfigSpec } from '@opaqueflow/config';
import { ConfigError } from '@opaqueflow/config';
import type { Logger, Telemetry } from '@opaqueflow/telemetry';
import { createLogger, startTelemetry } from '@opaqueflow/telemetry';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream } from 'pino';
import { ServiceError } from './errors.js';
import type { StopReport } from './lifecycle.js';
import { Lifecycle } from './lifecycle.js';
import type { OpsServer, OpsSources } from './ops-server.js';
import { startOpsServer } from './ops-server.js';
import { Readiness } from './readiness.js';

/** sysexits' EX_CONFIG: the orchestrator should not restart a misconfigured pod in a loop. */
export const EXIT_CONFIG = 78;

export interface ServiceRuntime<C> {
  /** Validated and deeply frozen. */
  readonly config: C;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly lifecycle: Lifecycle;
  readonly readiness: Readiness;
  readonly ops: OpsServer;
  /** For a Fastify service to mount the same /healthz and /readyz answers. */
  readonly opsSources: OpsSources;
  readonly stop: (reason: string) => Promise<StopReport>;
  /** Resolves once the service has stopped (a signal, stop(), or a fatal error). */
  readonly stopped: Promise<StopReport>;
}

export interface ServiceOptions<S extends ConfigSpec> {
  readonly definition: ConfigDefinition<S>;
  readonly version?: string;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** SIGTERM/SIGINT stop the service (default true; tests running several in one process: false). */
  readonly signals?: boolean;
  /** Called with the exit code once stopped; default process.exit. */
  readonly exit?: (code: number) => void;
  readonly logDestination?: DestinationStream;
  /** Extra span processors (tests: in-memory); OTEL_EXPORTER_OTLP_ENDPOINT adds the OTLP one. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Install the global OpenTelemetry providers (default true; false for several per process). */
  readonly registerGlobal?: boolean;
  /**
   * Wires the service: connect, add readiness checks, register stop steps, start consuming.
   * Resolves once it is running; a throw stops what was started and fails the start.
   */
  readonly start: (runtime: ServiceRuntime<ConfigOf<S>>) => Promise<void>;
}

/**
 * A service process from configuration to exit: validated config (a bad value exits 78 with
 * every bad variable named), pino logs, OpenTelemetry (OTLP when configured), the ops
 * endpoints, the lifecycle with its signals, and the service's own start.
 */
export async function runService<S extends ConfigSpec>(
  options: ServiceOptions<S>,
): Promise<ServiceRuntime<ConfigOf<S>>> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let config: ConfigOf<S> & CommonConfig;
  try {
    config = options.definition.load({ env: options.env ?? process.env }) as ConfigOf<S> &
      CommonConfig;
  } catch (err) {
    const logger = createLogger({
      service: 'opaqueflow',
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
    if (err instanceof ConfigError)
      logger.fatal({ issues: err.issues, code: err.code }, err.message);
    else logger.fatal({ err }, 'configuration could not be loaded');
    exit(EXIT_CONFIG);
    throw err;
  }
  const logger = createLogger({
    service: config.serviceName,
    level: config.logLevel,
    ...(options.version ? { base: { version: options.version } } : {}),
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  logger.info({ config: options.definition.describe(config) }, 'configuration');
  const telemetry = await startTelemetry({
    serviceName: config.serviceName,
    ...(options.version ? { serviceVersion: options.version } : {}),
    metrics: false,
    ...(config.otlpEndpoint === undefined ? {} : { otlpEndpoint: config.otlpEndpoint }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    registerGlobal: options.registerGlobal ?? true,
  });
  const lifecycle = new Lifecycle({
    graceMs: config.shutdownGraceMs,
    forceMs: config.shutdownForceMs,
    logger,
    exit,
  });
  const readiness = new Readiness();
  const opsSources: OpsSources = {
    service: config.serviceName,
    state: () => lifecycle.state,
    readiness: () => readiness.evaluate(),
    metrics: (req, res) => telemetry.serveMetrics(req, res),
  };
  let ops: OpsServer;
  try {
    ops = await startOpsServer(opsSources, { host: config.metricsHost, port: config.metricsPort });
  } catch (err) {
    logger.fatal({ err }, (err as Error).message);
    await telemetry.shutdown();
    exit(1);
    throw err;
  }
  const runtime: ServiceRuntime<ConfigOf<S>> = Object.freeze({
    config,
    logger,
    telemetry,
    lifecycle,
    readiness,
    ops,
    opsSources,
    stop: (reason: string) => lifecycle.stop(reason),
    stopped: lifecycle.stopped,
  });
  const closeLast = (): void => {
    // Last, so probes and scrapes answer (and spans flush) while the rest drains.
    lifecycle.onDraining('telemetry', () => telemetry.shutdown());
    lifecycle.onDraining('ops server', () => ops.close());
  };
  const uninstall =
    options.signals === false ? () => undefined : installProcessHandlers(lifecycle, logger);
  lifecycle.onDraining('signal handlers', () => uninstall());
  try {
    await options.start(runtime);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    closeLast();
    await lifecycle.stop('start failed', { failure: true });
    throw new ServiceError('SERVICE_START_FAILED', `${config.serviceName} did not start`, {
      cause: err,
    });
  }
  closeLast();
  lifecycle.markRunning();
  logger.info({ ops: ops.url }, 'running');
  return runtime;
}

/** Signals stop the service; an error nothing caught stops it as a failure (exit 1), logged once. */
function installProcessHandlers(lifecycle: Lifecycle, logger: Logger): () => void {
  const uninstallSignals = lifecycle.installSignalHandlers();
  const onFatal = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught error: stopping');
    void lifecycle.stop('uncaught error', { failure: true });
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    uninstallSignals();
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
