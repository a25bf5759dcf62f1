import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis } from '@opaqueflow/scoring-redis';

/** The Redis the integration tests use; they fail (not skip) when it is not given. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (url === undefined || url === '')
    throw new Error(
      'REDIS_URL is not set: run through `pnpm test:integration` (which starts Redis) or set REDIS_URL=redis://127.0.0.1:6379/15',
    );
  return url;
}

/** A key prefix no other test or run shares, so cleanup can never touch foreign keys. */
export function uniquePrefix(): string {
  return `oftest:${randomBytes(6).toString('hex')}:`;
}

export async function keysWithPrefix(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await keysWithPrefix(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
}

/** Every key under the prefix with its DUMP (type, encoding and value, byte for byte). */
export async function dumpPrefix(client: Redis, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await keysWithPrefix(client, prefix)) {
    const dump = await client.dumpBuffer(key);
    out.set(key, dump === null ? 'missing' : dump.toString('hex'));
  }
  return out;
}

export async function client(name: string): Promise<Redis> {
  return connectRedis(redisUrl(), { name });
}
