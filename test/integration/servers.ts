// Where the integration tests find their servers. They never start servers themselves:
// `pnpm test:integration` (test/infra/with-servers.ts) starts them, or the variables point at
// existing ones. Missing variables fail the run with a message rather than skipping tests.
import { randomBytes } from 'node:crypto';

export interface ServerAddresses {
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly redisUrl: string;
}

const HINT =
  'run through `pnpm test:integration` (starts Kafka, the registry and Redis), or set ' +
  'KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL to existing servers';

export function serverAddresses(env: NodeJS.ProcessEnv = process.env): ServerAddresses {
  const missing = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'].filter(
    (v) => (env[v] ?? '').trim() === '',
  );
  if (missing.length > 0) throw new Error(`integration tests need ${missing.join(', ')}: ${HINT}`);
  return {
    brokers: (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()),
    registryUrl: (env.SCHEMA_REGISTRY_URL ?? '').trim(),
    redisUrl: (env.REDIS_URL ?? '').trim(),
  };
}

/** Unique per run, so runs against a shared cluster or registry never see each other's data. */
export function runId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
