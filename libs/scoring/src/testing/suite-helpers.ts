import type { ScorerConfigInput } from '../config.js';
import type { ScorerStore } from '../store-types.js';
import type { Scorer } from '../scorer.js';
import { prepareItem, type BatchItem, type PreparedItem } from '../prepare.js';
import { makeFeatures } from './fixtures.js';

export const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const fast: ScorerConfigInput = {
  learning: { minFlows: 20, minAgeMs: 10 * MIN },
  networks: { sensitive: ['10.9.0.0/16'] },
};

/** Baseline totals, aggregates and host evidence a batch sequence left in the store. */
export async function totalsOf(scorer: Scorer, store: ScorerStore, items: readonly BatchItem[]) {
  const ports = new Map<string, PreparedItem>();
  const aggregates = new Set<string>();
  const hosts = new Set<string>();
  for (const item of items) {
    const p = prepareItem(item, scorer.config);
    if (typeof p === 'string') continue;
    ports.set(p.portKey, p);
    if (!p.opaque) continue;
    aggregates.add(p.detectionId);
    hosts.add(p.host);
  }
  const baselines: Record<string, unknown> = {};
  for (const [key, p] of ports)
    baselines[key] = await scorer.baseline(p.port, p.transport, null, T0 + 2 * HOUR);
  const read = await store.read({
    ports: [],
    aggregates: [...aggregates].map((id) => ({ id, pids: [] })),
    hosts: [...hosts].map((addr) => ({ addr, pids: [] })),
    tierCount: scorer.config.tiers.length,
  });
  const aggregateTotals: Record<string, unknown> = {};
  for (const [id, a] of read.aggregates)
    aggregateTotals[id] =
      a === null
        ? null
        : {
            first: a.firstSeenMs,
            last: a.lastSeenMs,
            flows: a.flowCount,
            bytes: a.bytes,
            samples: a.sampleFlowIds.length,
          };
  const hostEvidence: Record<string, number> = {};
  for (const [addr, h] of read.hosts) hostEvidence[addr] = Math.round((h?.evidence ?? 0) * 1e6);
  return { baselines, aggregates: aggregateTotals, hostEvidence };
}

export function beacon(
  count: number,
  spec: Parameters<typeof makeFeatures>[0] = {},
  everyMs = 30_000,
) {
  return Array.from({ length: count }, (_, i) =>
    makeFeatures({ startMs: T0 + i * everyMs, srcPort: 50_000 + i, ...spec }),
  );
}
