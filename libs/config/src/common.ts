import type { CrossFieldRule, ConfigOf } from './define.js';
import { field } from './field.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_TOPICS = Object.freeze({
  flows: 'opaqueflow.flows.v1',
  features: 'opaqueflow.features.v1',
  detections: 'opaqueflow.detections.v1',
  dlq: 'opaqueflow.dlq.v1',
});

export interface CommonDefaults {
  /** The service's own name: the default of SERVICE_NAME and of the Kafka client id. */
  readonly serviceName: string;
  readonly metricsPort?: number;
}

/**
 * Settings every service shares. Spread into a service's own spec:
 * `defineConfig({ ...commonSpec({ serviceName: 'scorer' }), ...own }, [...commonRules])`.
 */
export function commonSpec(defaults: CommonDefaults) {
  return {
    serviceName: field
      .string('SERVICE_NAME', { pattern: /^[a-z][a-z0-9-]{0,62}$/ })
      .default(defaults.serviceName)
      .describe('service name in logs, traces and metrics'),
    logLevel: field.oneOf('LOG_LEVEL', LOG_LEVELS).default('info').describe('pino log level'),
    metricsHost: field
      .string('METRICS_HOST', { minLength: 1 })
      .default('0.0.0.0')
      .describe('address the ops endpoints (/healthz, /readyz, /metrics) listen on'),
    metricsPort: field
      .port('METRICS_PORT')
      .default(defaults.metricsPort ?? 9464)
      .describe('port of the ops endpoints /healthz, /readyz, /metrics (0: any free port)'),
    otlpEndpoint: field
      .url('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols: ['http:', 'https:'] })
      .optional()
      .describe('OTLP/HTTP collector (spans go to <url>/v1/traces); unset: no span export'),
    kafkaBrokers: field
      .hostPortList('KAFKA_BROKERS', { minItems: 1 })
      .default([{ host: 'localhost', port: 9092 }])
      .describe('Kafka bootstrap servers, comma-separated host:port'),
    kafkaClientId: field
      .string('KAFKA_CLIENT_ID', { pattern: /^[A-Za-z0-9._-]{1,255}$/ })
      .default(`opaqueflow-${defaults.serviceName}`),
    schemaRegistryUrl: field
      .url('SCHEMA_REGISTRY_URL', { protocols: ['http:', 'https:'] })
      .default('http://localhost:8081')
      .describe('Confluent-compatible schema registry (Apicurio: …/apis/ccompat/v7)'),
    schemaRegistryUsername: field.string('SCHEMA_REGISTRY_USERNAME').optional(),
    schemaRegistryPassword: field.string('SCHEMA_REGISTRY_PASSWORD').secret().optional(),
    redisUrl: field
      .url('REDIS_URL', { protocols: ['redis:', 'rediss:'] })
      .default('redis://localhost:6379/0')
      .describe('Redis; a password in the URL is redacted when printed'),
    topicFlows: field.topic('TOPIC_FLOWS').default(DEFAULT_TOPICS.flows),
    topicFeatures: field.topic('TOPIC_FEATURES').default(DEFAULT_TOPICS.features),
    topicDetections: field.topic('TOPIC_DETECTIONS').default(DEFAULT_TOPICS.detections),
    topicDlq: field.topic('TOPIC_DLQ').default(DEFAULT_TOPICS.dlq),
    shutdownGraceMs: field
      .duration('SHUTDOWN_GRACE', { minMs: 0, maxMs: 600_000 })
      .default(20_000)
      .describe('time to drain in-flight work on SIGTERM before forcing exit'),
    shutdownForceMs: field
      .duration('SHUTDOWN_FORCE', { minMs: 0, maxMs: 60_000 })
      .default(5_000)
      .describe('after the grace: time for closing connections before the process exits anyway'),
  };
}

export type CommonConfig = ConfigOf<ReturnType<typeof commonSpec>>;

/** Cross-field rules for the common settings; works on any config that includes them. */
export const commonRules: readonly CrossFieldRule<CommonConfig>[] = Object.freeze([
  {
    variables: ['TOPIC_FLOWS', 'TOPIC_FEATURES', 'TOPIC_DETECTIONS', 'TOPIC_DLQ'],
    check: (c: CommonConfig) => {
      const topics = [c.topicFlows, c.topicFeatures, c.topicDetections, c.topicDlq];
      const dup = topics.find((t, i) => topics.indexOf(t) !== i);
      // Two stages on one topic would feed a stage its own output (or DLQ into the pipeline).
      return dup === undefined ? null : `topic "${dup}" is used for two purposes`;
    },
  },
  {
    variables: ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD'],
    check: (c: CommonConfig) =>
      (c.schemaRegistryUsername === undefined) === (c.schemaRegistryPassword === undefined)
        ? null
        : 'set both or neither (basic auth needs a user and a password)',
  },
  {
    variables: ['SCHEMA_REGISTRY_URL', 'SCHEMA_REGISTRY_USERNAME'],
    check: (c: CommonConfig) =>
      c.schemaRegistryUsername !== undefined && c.schemaRegistryUrl.includes('@')
        ? 'credentials are given twice: in the URL and in SCHEMA_REGISTRY_USERNAME'
        : null,
  },
]);
