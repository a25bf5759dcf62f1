import type { PortBaselineSnapshot, Transport } from '@opaqueflow/flow-model';
import type { ScorerConfig, Tier } from './config.js';
import { EMPTY_BITS, estimateDistinct, hexOf, orHex, setBit, wordsOf } from './distinct.js';
import type { BucketCounters, PortState } from './store-types.js';

export function bucketIndexOf(eventMs: number, tier: Tier): number {
  return Math.floor(eventMs / tier.bucketMs);
}

/** Lowest bucket index still needed once the port's event time has reached horizonMs. */
export function cutoffIndexOf(horizonMs: number, tier: Tier, allowedLatenessMs: number): number {
  return Math.floor((horizonMs - tier.windowMs - allowedLatenessMs) / tier.bucketMs) + 1;
}

export function emptyCounters(): BucketCounters {
  return {
    flows: 0,
    opaque: 0,
    bytes: 0,
    entropySum: 0,
    entropySumSq: 0,
    entropyCount: 0,
    srcBits: EMPTY_BITS,
    dstBits: EMPTY_BITS,
  };
}

export interface FlowContribution {
  readonly opaque: boolean;
  readonly bytes: number;
  readonly entropy: number | null;
  readonly srcBit: number;
  readonly dstBit: number;
}

export function addFlow(counters: BucketCounters, flow: FlowContribution): void {
  counters.flows += 1;
  if (flow.opaque) counters.opaque += 1;
  counters.bytes += flow.bytes;
  if (flow.entropy !== null) {
    counters.entropySum += flow.entropy;
    counters.entropySumSq += flow.entropy * flow.entropy;
    counters.entropyCount += 1;
  }
  const src = wordsOf(counters.srcBits);
  setBit(src, flow.srcBit);
  counters.srcBits = hexOf(src);
  const dst = wordsOf(counters.dstBits);
  setBit(dst, flow.dstBit);
  counters.dstBits = hexOf(dst);
}

/** a += b; the same arithmetic the Redis Lua script does. */
export function mergeInto(a: BucketCounters, b: BucketCounters): void {
  a.flows += b.flows;
  a.opaque += b.opaque;
  a.bytes += b.bytes;
  a.entropySum += b.entropySum;
  a.entropySumSq += b.entropySumSq;
  a.entropyCount += b.entropyCount;
  a.srcBits = orHex(a.srcBits, b.srcBits);
  a.dstBits = orHex(a.dstBits, b.dstBits);
}

export interface WindowSummary {
  readonly flows: number;
  readonly opaque: number;
  readonly bytes: number;
  readonly distinctSources: number;
  readonly distinctDestinations: number;
  readonly meanEntropy: number | null;
  readonly windowMs: number;
}

/** Sum of the buckets of one tier inside the window ending at horizonMs. */
export function summarizeTier(
  buckets: ReadonlyMap<number, BucketCounters> | undefined,
  tier: Tier,
  horizonMs: number,
): WindowSummary {
  const last = bucketIndexOf(horizonMs, tier);
  const first = last - tier.bucketCount + 1;
  const total = emptyCounters();
  for (const [index, counters] of buckets ?? []) {
    if (index >= first && index <= last) mergeInto(total, counters);
  }
  return {
    flows: total.flows,
    opaque: total.opaque,
    bytes: total.bytes,
    distinctSources: total.flows === 0 ? 0 : estimateDistinct(total.srcBits),
    distinctDestinations: total.flows === 0 ? 0 : estimateDistinct(total.dstBits),
    meanEntropy: total.entropyCount === 0 ? null : total.entropySum / total.entropyCount,
    windowMs: tier.windowMs,
  };
}

export interface PortBaseline {
  readonly snapshot: PortBaselineSnapshot;
  /** The shortest tier's window: what the port carried lately. */
  readonly recent: WindowSummary;
  /** No flow ever counted for this port (within the keys' lifetime). */
  readonly neverSeen: boolean;
  readonly firstSeenMs: number | null;
}

/**
 * A port's baseline as of horizonMs: the longest tier judges rarity (a week of history),
 * the shortest shows the recent rate.
 */
export function baselineOf(
  state: PortState | undefined,
  port: number,
  transport: Transport,
  horizonMs: number,
  config: ScorerConfig,
): PortBaseline {
  const longestIndex = config.tiers.length - 1;
  const long = summarizeTier(state?.tiers[longestIndex], config.tiers[longestIndex]!, horizonMs);
  const recent = summarizeTier(state?.tiers[0], config.tiers[0]!, horizonMs);
  const firstSeenMs = state?.firstSeenMs ?? null;
  const learning =
    firstSeenMs === null ||
    long.flows < config.learning.minFlows ||
    horizonMs - firstSeenMs < config.learning.minAgeMs;
  return {
    snapshot: {
      port,
      transport,
      flows: long.flows,
      opaqueFlows: long.opaque,
      distinctSources: long.distinctSources,
      distinctDestinations: long.distinctDestinations,
      meanEntropy: long.meanEntropy === null ? null : Math.round(long.meanEntropy * 1000) / 1000,
      learning,
      windowMs: long.windowMs,
    },
    recent,
    neverSeen: firstSeenMs === null,
    firstSeenMs,
  };
}
