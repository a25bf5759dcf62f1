/** The servers the test infrastructure knows how to start. */
export type ServerName = 'kafka' | 'registry' | 'redis';
export const SERVER_NAMES: readonly ServerName[] = ['kafka', 'registry', 'redis'];

/** The variable that points each server at an existing instance instead of starting one. */
export const SERVER_ENV: Readonly<Record<ServerName, string>> = {
  kafka: 'KAFKA_BROKERS',
  registry: 'SCHEMA_REGISTRY_URL',
  redis: 'REDIS_URL',
};

/** Addresses given through the environment; a missing key means "start our own". */
export interface ServerOverrides {
  kafka?: string;
  registry?: string;
  redis?: string;
}

export class InfraConfigError extends Error {
  override name = 'InfraConfigError';
}

function hostPort(value: string, variable: string): void {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new InfraConfigError(
      `${variable}: "${value}" is not a host:port list (expected e.g. 127.0.0.1:9092,10.0.0.2:9092)`,
    );
  }
}

function url(value: string, variable: string, protocols: readonly string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InfraConfigError(`${variable}: "${value}" is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new InfraConfigError(
      `${variable}: "${value}" must use ${protocols.join(' or ')} (got ${parsed.protocol})`,
    );
  }
  if (parsed.hostname === '') throw new InfraConfigError(`${variable}: "${value}" has no host`);
}

/**
 * Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL. An unset or blank variable means
 * the server is started locally; a set one must be well formed, or the run stops with an
 * error naming the variable rather than failing later inside a client.
 */
export function parseOverrides(env: NodeJS.ProcessEnv): ServerOverrides {
  const out: ServerOverrides = {};
  const kafka = env.KAFKA_BROKERS?.trim();
  if (kafka) {
    const brokers = kafka.split(',').map((b) => b.trim());
    for (const broker of brokers) hostPort(broker, 'KAFKA_BROKERS');
    out.kafka = brokers.join(',');
  }
  const registry = env.SCHEMA_REGISTRY_URL?.trim();
  if (registry) {
    url(registry, 'SCHEMA_REGISTRY_URL', ['http:', 'https:']);
    out.registry = registry.replace(/\/+$/, '');
  }
  const redis = env.REDIS_URL?.trim();
  if (redis) {
    url(redis, 'REDIS_URL', ['redis:', 'rediss:']);
    out.redis = redis;
  }
  return out;
}

/** Parses `--only kafka,redis` style lists; unknown names are an error naming them. */
export function parseOnly(list: string): ServerName[] {
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) throw new InfraConfigError('--only needs at least one server name');
  const unknown = names.filter((n) => !(SERVER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new InfraConfigError(
      `--only: unknown server ${unknown.join(', ')} (known: ${SERVER_NAMES.join(', ')})`,
    );
  }
  return SERVER_NAMES.filter((n) => names.includes(n));
}

export interface WithServersArgs {
  only: ServerName[];
  command: string[];
}

/** `[--only a,b] -- command…`; the `--` keeps the command's own flags away from ours. */
export function parseWithServersArgs(argv: readonly string[]): WithServersArgs {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  let only: ServerName[] = [...SERVER_NAMES];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] ?? '';
    if (arg === '--only') {
      const value = own[i + 1];
      if (value === undefined) throw new InfraConfigError('--only needs a value');
      only = parseOnly(value);
      i++;
    } else if (arg.startsWith('--only=')) {
      only = parseOnly(arg.slice('--only='.length));
    } else {
      throw new InfraConfigError(`unknown argument "${arg}" (usage: [--only a,b] -- command…)`);
    }
  }
  if (command.length === 0) {
    throw new InfraConfigError(
      'no command given (usage: with-servers.ts [--only a,b] -- command…)',
    );
  }
  return { only, command };
}
