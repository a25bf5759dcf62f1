export type { ScoringErrorCode } from './errors.js';
export { ScoringError, isRetriable, storeUnavailable } from './errors.js';
export type {
  TierInput,
  Tier,
  ScoreWeights,
  SeverityBands,
  ScorerConfigInput,
  ScorerConfig,
} from './config.js';
export { compileScorerConfig, DEFAULT_INTERNAL_NETWORKS, DEFAULT_WEIGHTS } from './config.js';
export type {
  BucketCounters,
  PortState,
  AggregateState,
  AggregateTotals,
  LatenessState,
  LatenessDelta,
  HostState,
  ReadRequest,
  ReadResult,
  DeltaGuard,
  TierDelta,
  PortDelta,
  AggregateDelta,
  HostDelta,
  ApplyRequest,
  ApplyResult,
  ScorerStore,
} from './store-types.js';
export {
  portKeyOf,
  padOffset,
  unpadOffset,
  partitionIdOf,
  latenessStartOf,
  raiseLateness,
  mergeSamples,
} from './store-types.js';
export type { WindowSummary, PortBaseline } from './baseline.js';
export { baselineOf, bucketIndexOf, summarizeTier, mergeInto, emptyCounters } from './baseline.js';
export { DISTINCT_BITS, EMPTY_BITS, estimateDistinct, orHex, bitOf } from './distinct.js';
export type { Evidence } from './host.js';
export { addEvidence, decayTo, hostScoreOf } from './host.js';
export type { Zone } from './network.js';
export type { ScoringException, ExceptionSource } from './exceptions.js';
export { validateException, ExceptionCache, MemoryExceptionStore } from './exceptions.js';
export { MemoryScorerStore } from './memory-store.js';
export type { ItemSource, BatchItem } from './prepare.js';
export type {
  RejectedItem,
  PartitionCommit,
  BatchStats,
  BatchResult,
  ScorerCounters,
  ScorerOptions,
} from './scorer.js';
export { Scorer, createScorer } from './scorer.js';
export type { RetryOptions } from './retry.js';
export { retryWithBackoff, backoffDelay } from './retry.js';
