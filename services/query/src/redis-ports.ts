import type { Cluster, Redis } from 'ioredis';

/**
 * The port baseline keys a RedisScorerStore holds under a prefix, from a SCAN of their meta
 * hashes (<prefix>{p:<port key>}:meta); on a cluster every master is scanned.
 */
export async function redisPortKeys(client: Redis | Cluster, keyPrefix = 'of:'): Promise<string[]> {
  const nodes: Redis[] =
    'nodes' in client && typeof client.nodes === 'function' && client.isCluster
      ? client.nodes('master')
      : [client as Redis];
  const head = `${keyPrefix}{p:`;
  const tail = '}:meta';
  const pattern = `${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}{p:*}:meta`;
  const out = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of keys)
        if (k.startsWith(head) && k.endsWith(tail)) out.add(k.slice(head.length, -tail.length));
    } while (cursor !== '0');
  }
  return [...out];
}
