import type { PortBaselineSnapshot, Transport } from '@opaqueflow/flow-model';
import type { ScorerConfig, Tier } from './config.js';
import { EMPTY_BITS, estimateDistinctWords, orHex, wordsOf } from './distinct.js';
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
    entropyMilliSum: 0,
    entropyMilliSqSum: 0,
    entropyCount: 0,
    srcBits: EMPTY_BITS,
    dstBits: EMPTY_BITS,
  };
}

/** a += b; the same arithmetic the Redis Lua script does. */
export function mergeInto(a: BucketCounters, b: BucketCounters): void {
  a.flows += b.flows;
  a.opaque += b.opaque;
  a.bytes += b.bytes;
  a.entropyMilliSum += b.entropyMilliSum;
  a.entropyMilliSqSum += b.entropyMilliSqSum;
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
  /** Standard deviation of initiator entropy, bits/byte: a port carrying one kind of payload is tight. */
  readonly entropyStdDev: number | null;
  readonly windowMs: number;
}

function orInto(words: number[], hex: string): void {
  for (let i = 0; i < words.length; i++) {
    const w = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    if (!Number.isNaN(w)) words[i] = (words[i]! | w) >>> 0;
  }
}

/**
 * Running sums of one tier's window (buckets first..last): what a summary adds up, kept open
 * so the scorer can count more flows into it as a batch goes.
 */
export interface WindowAcc {
  readonly first: number;
  readonly last: number;
  flows: number;
  opaque: number;
  bytes: number;
  milliSum: number;
  milliSqSum: number;
  entropyCount: number;
  /** Bitmaps as 32-bit words: hex is parsed once per bucket, not once per merge. */
  readonly src: number[];
  readonly dst: number[];
}

/** The sums of the buckets of one tier inside the window ending at horizonMs. */
export function accumulateTier(
  buckets: ReadonlyMap<number, BucketCounters> | undefined,
  tier: Tier,
  horizonMs: number,
): WindowAcc {
  const last = bucketIndexOf(horizonMs, tier);
  const acc: WindowAcc = {
    first: last - tier.bucketCount + 1,
    last,
    flows: 0,
    opaque: 0,
    bytes: 0,
    milliSum: 0,
    milliSqSum: 0,
    entropyCount: 0,
    src: wordsOf(EMPTY_BITS),
    dst: wordsOf(EMPTY_BITS),
  };
  for (const [index, c] of buckets ?? []) {
    if (index < acc.first || index > acc.last) continue;
    acc.flows += c.flows;
    acc.opaque += c.opaque;
    acc.bytes += c.bytes;
    acc.milliSum += c.entropyMilliSum;
    acc.milliSqSum += c.entropyMilliSqSum;
    acc.entropyCount += c.entropyCount;
    orInto(acc.src, c.srcBits);
    orInto(acc.dst, c.dstBits);
  }
  return acc;
}

export function summaryOf(acc: WindowAcc, tier: Tier): WindowSummary {
  const { flows, milliSqSum, entropyCount } = acc;
  const mean = entropyCount === 0 ? null : acc.milliSum / entropyCount;
  return {
    flows,
    opaque: acc.opaque,
    bytes: acc.bytes,
    distinctSources: flows === 0 ? 0 : estimateDistinctWords(acc.src),
    distinctDestinations: flows === 0 ? 0 : estimateDistinctWords(acc.dst),
    meanEntropy: mean === null ? null : mean / 1000,
    entropyStdDev:
      mean === null ? null : Math.sqrt(Math.max(0, milliSqSum / entropyCount - mean * mean)) / 1000,
    windowMs: tier.windowMs,
  };
}

/** Sum of the buckets of one tier inside the window ending at horizonMs. */
export function summarizeTier(
  buckets: ReadonlyMap<number, BucketCounters> | undefined,
  tier: Tier,
  horizonMs: number,
): WindowSummary {
  return summaryOf(accumulateTier(buckets, tier, horizonMs), tier);
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
  return baselineFrom(long, recent, state?.firstSeenMs ?? null, port, transport, horizonMs, config);
}

/** The baseline of already summarised windows (the scorer caches summaries while they hold). */
export function baselineFrom(
  long: WindowSummary,
  recent: WindowSummary,
  firstSeenMs: number | null,
  port: number,
  transport: Transport,
  horizonMs: number,
  config: ScorerConfig,
): PortBaseline {
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
