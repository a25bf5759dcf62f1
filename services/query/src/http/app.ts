import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { OpsSources } from '@opaqueflow/service';
import type { Logger } from '@opaqueflow/telemetry';
import { createCounter, createHistogram } from '@opaqueflow/telemetry';
import type { Meter } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { BaselineReader } from '../baselines.js';
import type { CoverageReader } from '../coverage.js';
import type { ExceptionAdmin } from '../exceptions.js';
import { QueryError } from '../errors.js';
import type { DetectionView } from '../view/types.js';
import type { ApiKeys, Principal, Scope } from './auth.js';
import { presentedKey } from './auth.js';
import { HttpError, errorBody } from './errors.js';
import { detectionRoutes } from './routes/detections.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { opsRoutes } from './routes/ops.js';
import { portRoutes } from './routes/ports.js';
import { triageRoutes } from './routes/triage.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Scope a route needs; absent: public (probes, metrics, the OpenAPI document). */
    scope?: Scope;
  }
}

export interface AppOptions {
  readonly view: DetectionView;
  readonly exceptions: ExceptionAdmin;
  readonly baselines?: BaselineReader;
  readonly coverage?: CoverageReader;
  readonly apiKeys: ApiKeys;
  /** Requests per key (or per address, unauthenticated) per window; default 600 per minute. */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number };
  /** Share rate-limit counters across replicas, under <rateLimitPrefix> (default "of:ratelimit:"). */
  readonly rateLimitRedis?: Redis | Cluster;
  readonly rateLimitPrefix?: string;
  /** Origins allowed by CORS; empty or absent: CORS off. */
  readonly corsOrigins?: readonly string[];
  readonly bodyLimitBytes?: number;
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  readonly logger?: Logger;
  /** /healthz, /readyz and /metrics as libs/service answers them. */
  readonly ops?: OpsSources;
  /** opaqueflow_query_http_requests_total{route,method,status_code} and request durations. */
  readonly meter?: Meter;
  readonly clock?: () => number;
  /** How often a live feed polls the view for other replicas' writes. */
  readonly feedPollMs?: number;
  /** Keep-alive comments on an idle live feed. */
  readonly feedHeartbeatMs?: number;
}

/** What the route modules share. */
export interface AppContext {
  readonly options: AppOptions;
  readonly clock: () => number;
  /** Live feeds ending when the app closes. */
  readonly streams: Set<() => void>;
}

/** The field named by the first JSON-schema failure: "dstPort", "body.reason", … */
function fieldOf(error: FastifyError): string | undefined {
  const v = error.validation?.[0];
  if (v === undefined) return undefined;
  const params = v.params;
  const leaf =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : typeof params.additionalProperty === 'string'
        ? params.additionalProperty
        : null;
  const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const name = [path, leaf].filter((s) => s !== null && s !== '').join('.');
  return error.validationContext === 'body' ? `body${name === '' ? '' : `.${name}`}` : name;
}

function validationMessage(error: FastifyError, field: string | undefined): string {
  const v = error.validation?.[0];
  const params: Record<string, unknown> = v?.params ?? {};
  if (typeof params.additionalProperty === 'string') return `${field} is not a known parameter`;
  if (typeof params.missingProperty === 'string') return `${field} is required`;
  return `${field ?? error.validationContext ?? 'request'} ${v?.message ?? 'is invalid'}`;
}

/**
 * The query service's HTTP API. Security is on by default: every /v1 route needs an API key
 * with the route's scope (read or admin), each key is rate limited, requests are checked
 * against their JSON schemas, bodies are bounded, errors never carry stacks, helmet sets the
 * security headers, CORS is off unless origins are configured, TLS when a key pair is given.
 * Nothing listens here: the caller calls listen() (or inject() in tests).
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.tls === undefined
      ? {}
      : { https: { key: options.tls.key, cert: options.tls.cert } }),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    // A caller-supplied logger, or none (tests); request logs are one line per request.
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    trustProxy: false,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }) as unknown as FastifyInstance;
  const ctx: AppContext = { options, clock: options.clock ?? Date.now, streams: new Set() };

  app.decorateRequest('principal', null);
  if (options.meter !== undefined) {
    const requests = createCounter(options.meter, {
      stage: 'query',
      name: 'http_requests',
      description: 'HTTP requests answered, by route template, method and status code',
      labels: ['route', 'method', 'status_code'],
    });
    const duration = createHistogram(options.meter, {
      stage: 'query',
      name: 'http_request_duration',
      unit: 'seconds',
      description: 'time from a request received to its answer sent',
      labels: ['route', 'method'],
    });
    app.addHook('onResponse', (request, reply, done) => {
      // The route template, never the URL: ids and filters would be unbounded labels.
      const route = request.routeOptions.url ?? 'unmatched';
      requests.add(1, { route, method: request.method, status_code: String(reply.statusCode) });
      duration.record(reply.elapsedTime / 1000, { route, method: request.method });
      done();
    });
  }
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const field = fieldOf(error);
      return reply.code(400).send(errorBody('BAD_REQUEST', validationMessage(error, field), field));
    }
    if (error instanceof HttpError)
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.field));
    if (error instanceof QueryError && error.code === 'QUERY_STORE_FAILED') {
      request.log.error({ err: error }, 'view store failed');
      return reply
        .code(503)
        .send(errorBody('UNAVAILABLE', 'the detections view is unavailable; retry later'));
    }
    const status = error.statusCode ?? 500;
    if (status === 429)
      return reply.code(429).send(errorBody('RATE_LIMITED', error.message || 'too many requests'));
    if (status >= 400 && status < 500)
      return reply.code(status).send(errorBody(error.code ?? 'BAD_REQUEST', error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // The docs page (swagger-ui) needs its own scripts and styles; nothing else is served.
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
    hsts: options.tls !== undefined,
  });
  if ((options.corsOrigins?.length ?? 0) > 0)
    await app.register(cors, {
      origin: [...(options.corsOrigins ?? [])],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    });

  // Who is asking: identified first so the rate limit can count per key; refused later.
  app.addHook('onRequest', (request, _reply, done) => {
    const secret = presentedKey(request.headers);
    request.principal = secret === null ? null : options.apiKeys.identify(secret);
    done();
  });
  const limit = options.rateLimit ?? { max: 600, windowMs: 60_000 };
  await app.register(rateLimit, {
    global: false,
    max: limit.max,
    timeWindow: limit.windowMs,
    ...(options.rateLimitRedis === undefined
      ? {}
      : {
          redis: options.rateLimitRedis,
          nameSpace: options.rateLimitPrefix ?? 'of:ratelimit:',
          // A Redis hiccup must not lock every client out; the view answers 503 on its own.
          skipOnError: true,
        }),
    keyGenerator: (request: FastifyRequest) =>
      request.principal === null ? `ip:${request.ip}` : `key:${request.principal.name}`,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `rate limit of ${context.max} requests per ${context.after} exceeded; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  // Refused after the rate limit has counted the request, before the body is read.
  app.addHook('preParsing', (request, reply, _payload, done) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return done();
    if (request.principal === null) {
      const presented = presentedKey(request.headers) !== null;
      void reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="opaqueflow"')
        .send(
          errorBody(
            'UNAUTHENTICATED',
            presented
              ? 'the API key is not valid'
              : 'an API key is required: Authorization: Bearer <key> or X-API-Key',
          ),
        );
      return;
    }
    if (!request.principal.scopes.has(scope)) {
      void reply.code(403).send(errorBody('FORBIDDEN', `this API key lacks the ${scope} scope`));
      return;
    }
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'opaqueflow query API',
        version: '1',
        description:
          'Detections of encrypted-looking flows without a recognisable key exchange (MITRE ATT&CK AN0404), their triage, exceptions, port baselines and telemetry coverage.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  // Every /v1 route is counted against its key (or, without one, its address).
  await app.register((v1, _opts, done) => {
    v1.addHook('onRequest', v1.rateLimit());
    detectionRoutes(v1, ctx);
    triageRoutes(v1, ctx);
    exceptionRoutes(v1, ctx);
    portRoutes(v1, ctx);
    done();
  });
  opsRoutes(app, ctx);

  app.addHook('preClose', (done) => {
    for (const end of ctx.streams) end();
    done();
  });
  return app;
}
