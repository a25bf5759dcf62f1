// The configuration each service reads, as the deployment checks see it: the services' own
// definitions (libs/config), so a variable a service adds or renames shows up here.
import type { ConfigDefinition, ConfigSpec } from '@opaqueflow/config';
import { commonRules, commonSpec, defineConfig } from '@opaqueflow/config';
import { queryConfig } from '@opaqueflow/svc-query';

export const SERVICES = ['ingest', 'features', 'scorer', 'query'] as const;
export type ServiceName = (typeof SERVICES)[number];

// ingest, features and scorer get their service definitions with their entry points (the
// services branch); until then they are checked against the settings every service shares,
// plus the variables their definitions on that branch read, listed here by name.
const common = (serviceName: string) =>
  defineConfig(commonSpec({ serviceName }), commonRules) as unknown as ConfigDefinition<ConfigSpec>;
const STAGE = ['TOPIC_PARTITIONS', 'CONSUMER_GROUP', 'CONSUMER_MAX_WAIT'];
const PENDING: Record<Exclude<ServiceName, 'query'>, readonly string[]> = {
  ingest: [
    ...STAGE,
    'INGEST_FILES',
    'LISTENERS',
    'LISTEN_HOST',
    'NETFLOW_PORT',
    'IPFIX_PORT',
    'SFLOW_PORT',
    'LISTENER_QUEUE',
    'PRODUCE_BATCH',
    'PRODUCE_MAX_IN_FLIGHT',
  ],
  features: STAGE,
  scorer: [...STAGE, 'REDIS_KEY_PREFIX', 'SCORING_CONFIG', 'SCORER_CLOCK'],
};

export interface ServiceConfig {
  /** Loads (and validates) the configuration from an environment; throws naming the variable. */
  load(env: Record<string, string>): Record<string, unknown>;
  /** Every environment variable the service reads. */
  readonly variables: ReadonlySet<string>;
}

function of(
  definition: ConfigDefinition<ConfigSpec>,
  extra: readonly string[] = [],
): ServiceConfig {
  return {
    load: (env) => definition.load({ env }),
    variables: new Set([...definition.variables().map((v) => v.variable), ...extra]),
  };
}

export const SERVICE_CONFIGS: Readonly<Record<ServiceName, ServiceConfig>> = {
  ingest: of(common('ingest'), PENDING.ingest),
  features: of(common('features'), PENDING.features),
  scorer: of(common('scorer'), PENDING.scorer),
  query: of(queryConfig),
};

/** A syntactically valid QUERY_API_KEYS for tests (the Secret's value in a real cluster). */
export const TEST_API_KEYS = `ops:read+admin:${'0'.repeat(64)}`;
