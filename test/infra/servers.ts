import { SERVER_ENV, parseOverrides, type ServerName, type ServerOverrides } from './env.js';
import { startKafka } from './kafka.js';
import { startRedis } from './redis.js';
import { startRegistry } from './registry.js';
import { reapOrphans } from './reaper.js';
import type { ServerHandle, StartOptions } from './types.js';

/** A handle for a server given through the environment: nothing to start or stop. */
export function externalServer(name: ServerName, address: string): ServerHandle {
  return {
    name,
    address,
    version: 'external',
    port: 0,
    external: true,
    prepareMs: 0,
    startupMs: 0,
    cacheHit: true,
    logFile: '',
    stop: () => Promise.resolve(),
  };
}

export interface RunningServers {
  readonly handles: readonly ServerHandle[];
  /** KAFKA_BROKERS / SCHEMA_REGISTRY_URL / REDIS_URL for the servers in use. */
  readonly env: Record<string, string>;
  /** Leftovers of earlier runs that died without stopping their servers, now stopped. */
  readonly reaped: readonly string[];
  /** Stops everything this call started, in reverse order; never throws. */
  stopAll(): Promise<void>;
}

type Starter = (options: StartOptions) => Promise<ServerHandle>;

const starters: Record<ServerName, Starter> = {
  kafka: startKafka,
  registry: startRegistry,
  redis: startRedis,
};

/**
 * Starts the servers named in `only` that the environment does not already point at, all
 * at once (each waits mostly on its own JVM or process). If any fails, the ones that did
 * come up are stopped before the error is thrown, so a failed start leaves nothing behind.
 */
export async function startServers(
  only: readonly ServerName[],
  env: NodeJS.ProcessEnv = process.env,
  starterFor: (name: ServerName) => Starter = (name) => starters[name],
  signal?: AbortSignal,
): Promise<RunningServers> {
  const overrides: ServerOverrides = parseOverrides(env);
  const reaped = await reapOrphans();
  const results = await Promise.allSettled(
    only.map((name) => {
      const given = overrides[name];
      return given !== undefined
        ? Promise.resolve(externalServer(name, given))
        : starterFor(name)({ signal });
    }),
  );
  const handles: ServerHandle[] = [];
  const errors: unknown[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') handles.push(result.value);
    else errors.push(result.reason);
  }
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([...handles].reverse().map((h) => h.stop()));
  };
  if (errors.length > 0) {
    await stopAll();
    if (errors.length === 1) throw errors[0];
    throw new AggregateError(errors, errors.map((e) => (e as Error).message).join('\n\n'));
  }
  const vars: Record<string, string> = {};
  for (const handle of handles) vars[SERVER_ENV[handle.name]] = handle.address;
  return { handles, env: vars, reaped, stopAll };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line per server: what runs where, and how long it took to come up. */
export function describeServer(handle: ServerHandle): string {
  const name = handle.name.padEnd(8);
  if (handle.external)
    return `${name} external  ${handle.address} (from ${SERVER_ENV[handle.name]})`;
  const download = handle.cacheHit ? 'cached' : `downloaded in ${seconds(handle.prepareMs)}`;
  return (
    `${name} ${handle.version.padEnd(9)} ${handle.address}  up in ${seconds(handle.startupMs)}` +
    (handle.name === 'redis' ? '' : ` (${download})`)
  );
}
