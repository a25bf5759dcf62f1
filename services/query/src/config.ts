import {
  Field,
  commonRules,
  commonSpec,
  defineConfig,
  field,
  type ConfigOf,
} from '@opaqueflow/config';
import { type ApiKeyRecord, parseApiKeys } from './http/auth.js';

const apiKeysField = new Field<ApiKeyRecord[]>({
  variable: 'QUERY_API_KEYS',
  kind: 'name:scope[+scope]:sha256 list',
  parse: (raw) => {
    try {
      const keys = parseApiKeys(raw);
      return keys.length === 0
        ? { ok: false, reason: 'at least one API key is needed' }
        : { ok: true, value: keys };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  },
  // Names and scopes only: hashes are not secrets, but a log is no place for them.
  renderValue: (keys) => keys.map((k) => `${k.name}:${k.scopes.join('+')}`).join(','),
  description:
    'API keys as name:scope[+scope]:sha256-of-secret, comma-separated (scopes: read, admin); e.g. printf %s "$KEY" | sha256sum',
});

const spec = {
  ...commonSpec({ serviceName: 'query', metricsPort: 9464 }),
  httpHost: field
    .string('QUERY_HTTP_HOST', { minLength: 1 })
    .default('0.0.0.0')
    .describe('address the REST API listens on'),
  httpPort: field.port('QUERY_HTTP_PORT').default(8080).describe('port of the REST API'),
  apiKeys: apiKeysField,
  retentionMs: field
    .duration('QUERY_RETENTION', { minMs: 60_000 })
    .default(30 * 86_400_000)
    .describe('detections last seen longer ago are dropped from the view'),
  groupId: field
    .string('QUERY_GROUP_ID', { pattern: /^[A-Za-z0-9._-]{1,200}$/ })
    .default('opaqueflow-query')
    .describe(
      'consumer group of the view; a new one rebuilds the view from the start of the topic',
    ),
  keyPrefix: field
    .string('REDIS_KEY_PREFIX', { pattern: /^[A-Za-z0-9:._-]{0,64}$/ })
    .default('of:'),
  rateLimitMax: field
    .int('QUERY_RATE_LIMIT', { min: 1, max: 1_000_000 })
    .default(600)
    .describe('requests per key per window'),
  rateLimitWindowMs: field.duration('QUERY_RATE_LIMIT_WINDOW', { minMs: 1_000 }).default(60_000),
  corsOrigins: field
    .list('QUERY_CORS_ORIGINS', (raw) =>
      /^https?:\/\/[^/\s]+$/.test(raw)
        ? { ok: true, value: raw }
        : { ok: false, reason: `"${raw}" is not an origin (scheme://host[:port])` },
    )
    .default([])
    .describe('origins allowed by CORS; empty: CORS off'),
  tlsCertFile: field
    .string('QUERY_TLS_CERT_FILE', { minLength: 1 })
    .optional()
    .describe('PEM certificate: the API serves HTTPS'),
  tlsKeyFile: field.string('QUERY_TLS_KEY_FILE', { minLength: 1 }).optional(),
  coverage: field
    .bool('QUERY_COVERAGE')
    .default(true)
    .describe(
      'count /v1/coverage from the features topic (a second consumer group, <QUERY_GROUP_ID>-coverage)',
    ),
  bodyLimitBytes: field
    .int('QUERY_BODY_LIMIT_BYTES', { min: 1_024, max: 10_485_760 })
    .default(65_536),
};

export type QueryConfig = ConfigOf<typeof spec>;

export const queryConfig = defineConfig(spec, [
  ...commonRules,
  {
    variables: ['QUERY_TLS_CERT_FILE', 'QUERY_TLS_KEY_FILE'],
    check: (c: QueryConfig) =>
      (c.tlsCertFile === undefined) === (c.tlsKeyFile === undefined)
        ? null
        : 'set both or neither (TLS needs a certificate and its key)',
  },
]);
