import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { toScoringError } from './errors.js';

export interface RedisConnectOptions {
  /** Per-command deadline: a silent server fails the batch instead of hanging it. */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Client name shown by CLIENT LIST. */
  readonly name?: string;
}

/**
 * A client that fails fast while Redis is away (no offline queue, no per-request retries),
 * so the scorer gets a retriable error, stops committing and backs off, while ioredis keeps
 * reconnecting in the background.
 */
export function redisOptions(options: RedisConnectOptions = {}): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    ...(options.name === undefined ? {} : { connectionName: options.name }),
  };
}

export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<Redis> {
  const client = new Redis(url, redisOptions(options));
  // Errors are surfaced per command; without a listener ioredis would print each one.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw toScoringError(err, 'connect');
  }
  return client;
}

/** The same fail-fast behaviour for a Redis Cluster, from a few startup nodes (host:port). */
export async function connectCluster(
  nodes: readonly string[],
  options: RedisConnectOptions = {},
): Promise<Cluster> {
  const single = redisOptions(options);
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    redisOptions: {
      maxRetriesPerRequest: single.maxRetriesPerRequest,
      autoResendUnfulfilledCommands: false,
      commandTimeout: single.commandTimeout,
      connectTimeout: single.connectTimeout,
      ...(options.name === undefined ? {} : { connectionName: options.name }),
    },
  };
  const startup = nodes.map((n) => {
    const [host, port] = n.split(':');
    return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
  });
  const cluster = new Cluster(startup, clusterOptions);
  cluster.on('error', () => undefined);
  try {
    await cluster.connect();
  } catch (err) {
    cluster.disconnect();
    throw toScoringError(err, 'cluster connect');
  }
  return cluster;
}
