/**
 * Key layout. Every key of one port baseline carries the port's hash tag ({p:443/tcp}), an
 * aggregate its detection id, a host its address: each Lua call touches one slot, so the
 * same code runs on one Redis and on Redis Cluster.
 *
 *   <prefix>{p:<port>/<transport>[/<scope>]}:meta   hash: fs (first seen), mx (max event
 *                                                   time), w:<topic>:<partition> watermarks
 *   <prefix>{p:…}:t<i>                              hash per tier: <bucket index> → counters,
 *                                                   pr (buckets below it pruned)
 *   <prefix>{d:<detection id>}                      hash: f, l, n, b, s (samples), w:… watermarks
 *   <prefix>{h:<address>}                           hash: e (evidence), r (as of), w:… watermarks
 *   <prefix>{l:<topic>:<partition>}                 hash: o, m (offset, max event time), po, pm
 *                                                   (the pair before): a partition's lateness
 *   <prefix>{exc}:items, <prefix>{exc}:version      exceptions (JSON by id) and their version
 *   <prefix>{exc}:audit                             stream: who put or removed what, when
 */
export interface KeySpace {
  portMeta(portKey: string): string;
  portTier(portKey: string, tier: number): string;
  aggregate(id: string): string;
  host(addr: string): string;
  lateness(pid: string): string;
  exceptionItems(): string;
  exceptionVersion(): string;
  exceptionAudit(): string;
  exceptionChannel(): string;
}

export function keySpace(prefix = 'of:'): KeySpace {
  return {
    portMeta: (k) => `${prefix}{p:${k}}:meta`,
    portTier: (k, i) => `${prefix}{p:${k}}:t${i}`,
    aggregate: (id) => `${prefix}{d:${id}}`,
    host: (addr) => `${prefix}{h:${addr}}`,
    lateness: (pid) => `${prefix}{l:${pid}}`,
    exceptionItems: () => `${prefix}{exc}:items`,
    exceptionVersion: () => `${prefix}{exc}:version`,
    exceptionAudit: () => `${prefix}{exc}:audit`,
    exceptionChannel: () => `${prefix}exc:changed`,
  };
}
