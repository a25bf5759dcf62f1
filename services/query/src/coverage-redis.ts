import type { FlowFeatures, FlowSource } from '@opaqueflow/flow-model';
import { FLOW_SOURCES } from '@opaqueflow/flow-model';
import type { Cluster, Redis } from 'ioredis';
import { exporterOf, type CoverageCounts, type CoverageReader } from './coverage.js';
import { QueryError } from './errors.js';

/**
 * KEYS[1] the watermark hash; ARGV base pid expected next n, then n × (exporter source flows
 * payload start handshake insufficient srMin srMax first last). Applies only when the
 * partition's watermark is still `expected` (compare-and-set): a replay or a racing consumer
 * changes nothing and the caller re-reads.
 */
const APPLY = `
local base, pid, expected, nextWm = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local wm = redis.call('HGET', KEYS[1], pid) or ''
if wm ~= expected then return 0 end
local n = tonumber(ARGV[5])
for i = 0, n - 1 do
  local a = 6 + i * 10
  local k = base .. 'e:' .. ARGV[a]
  redis.call('HSETNX', k, 'src', ARGV[a + 1])
  redis.call('HINCRBY', k, 'flows', ARGV[a + 2])
  redis.call('HINCRBY', k, 'payload', ARGV[a + 3])
  redis.call('HINCRBY', k, 'start', ARGV[a + 4])
  redis.call('HINCRBY', k, 'handshake', ARGV[a + 5])
  redis.call('HINCRBY', k, 'insufficient', ARGV[a + 6])
  local cur = redis.call('HMGET', k, 'srmin', 'srmax', 'first', 'last')
  if not cur[1] or tonumber(ARGV[a + 7]) < tonumber(cur[1]) then redis.call('HSET', k, 'srmin', ARGV[a + 7]) end
  if not cur[2] or tonumber(ARGV[a + 8]) > tonumber(cur[2]) then redis.call('HSET', k, 'srmax', ARGV[a + 8]) end
  if not cur[3] or tonumber(ARGV[a + 9]) < tonumber(cur[3]) then redis.call('HSET', k, 'first', ARGV[a + 9]) end
  if not cur[4] or tonumber(ARGV[a + 10]) > tonumber(cur[4]) then redis.call('HSET', k, 'last', ARGV[a + 10]) end
  redis.call('SADD', base .. 'exporters', ARGV[a])
end
redis.call('HSET', KEYS[1], pid, nextWm)
return 1
`;

export interface CoverageRecord {
  readonly features: FlowFeatures;
  readonly offset: string;
}

const pad = (offset: string) => offset.padStart(20, '0');

/**
 * Coverage counts in Redis, fed from the features topic by the query service: per exporter
 * under <prefix>{cov}:e:<exporter>, with the highest offset applied per source partition so
 * a redelivered or replayed batch counts nothing twice. Counts cover everything the topic
 * carried since the keys were created (no window yet).
 */
export class RedisCoverage implements CoverageReader {
  private readonly base: string;

  constructor(
    private readonly client: Redis | Cluster,
    keyPrefix = 'of:',
  ) {
    this.base = `${keyPrefix}{cov}:`;
    const c = client as unknown as {
      ofCoverageApply?: unknown;
      defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void;
    };
    if (c.ofCoverageApply === undefined)
      c.defineCommand('ofCoverageApply', { numberOfKeys: 1, lua: APPLY });
  }

  /** One partition's records in offset order; resolves once they are counted exactly once. */
  async apply(topic: string, partition: number, records: readonly CoverageRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pid = `${topic}:${partition}`;
    const wmKey = `${this.base}w`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const wm = (await this.client.hget(wmKey, pid)) ?? '';
      const fresh = records.filter((r) => wm === '' || pad(r.offset) > wm);
      if (fresh.length === 0) return;
      const rows = new Map<
        string,
        {
          source: FlowSource;
          n: number[];
          srMin: number;
          srMax: number;
          first: number;
          last: number;
        }
      >();
      for (const { features: f } of fresh) {
        const key = exporterOf(f);
        let row = rows.get(key);
        if (row === undefined) {
          row = {
            source: f.flow.source,
            n: [0, 0, 0, 0, 0],
            srMin: f.flow.samplingRate,
            srMax: f.flow.samplingRate,
            first: f.flow.startMs,
            last: f.flow.endMs,
          };
          rows.set(key, row);
        }
        row.n[0]! += 1;
        if (f.initiator !== null || f.responder !== null || f.exporterEvidence !== null)
          row.n[1]! += 1;
        if (f.flow.initiatorKnown) row.n[2]! += 1;
        if (f.handshake.protocol !== 'none') row.n[3]! += 1;
        if (f.verdict === 'insufficient') row.n[4]! += 1;
        row.srMin = Math.min(row.srMin, f.flow.samplingRate);
        row.srMax = Math.max(row.srMax, f.flow.samplingRate);
        row.first = Math.min(row.first, f.flow.startMs);
        row.last = Math.max(row.last, f.flow.endMs);
      }
      const args: string[] = [
        this.base,
        pid,
        wm,
        pad(fresh[fresh.length - 1]!.offset),
        String(rows.size),
      ];
      for (const [key, r] of rows)
        args.push(
          key,
          r.source,
          ...r.n.map(String),
          String(r.srMin),
          String(r.srMax),
          String(r.first),
          String(r.last),
        );
      let applied: number;
      try {
        applied = await (
          this.client as unknown as { ofCoverageApply(k: string, ...a: string[]): Promise<number> }
        ).ofCoverageApply(wmKey, ...args);
      } catch (err) {
        throw new QueryError('QUERY_STORE_FAILED', 'coverage update failed', { cause: err });
      }
      if (applied === 1) return;
    }
    throw new QueryError(
      'QUERY_STORE_FAILED',
      `coverage of ${pid} kept changing under this consumer`,
    );
  }

  async exporters(): Promise<CoverageCounts[]> {
    try {
      const names = await this.client.smembers(`${this.base}exporters`);
      const pipe = this.client.pipeline();
      for (const n of names) pipe.hgetall(`${this.base}e:${n}`);
      const replies = (await pipe.exec()) ?? [];
      return names.flatMap((exporter, i) => {
        const h = replies[i]?.[1] as Record<string, string> | undefined;
        if (h === undefined || h.flows === undefined) return [];
        const num = (k: string) => Number(h[k] ?? 0);
        return [
          {
            exporter,
            source: (FLOW_SOURCES.has(h.src as FlowSource) ? h.src : 'ipfix') as FlowSource,
            flows: num('flows'),
            withPayload: num('payload'),
            startSeen: num('start'),
            handshakeRecognised: num('handshake'),
            insufficient: num('insufficient'),
            samplingRateMin: num('srmin'),
            samplingRateMax: num('srmax'),
            firstSeenMs: num('first'),
            lastSeenMs: num('last'),
          },
        ];
      });
    } catch (err) {
      throw new QueryError('QUERY_STORE_FAILED', 'coverage read failed', { cause: err });
    }
  }
}
