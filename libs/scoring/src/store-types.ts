/**
 * The contract between the scorer and its state store. The scorer talks to a store in
 * exactly two calls per batch — one read, one apply — so a networked store can answer each
 * in one round trip (a pipeline). All pre-aggregation happens in the scorer; the store only
 * checks watermarks and adds.
 *
 * Offsets travel as decimal strings zero-padded to 20 digits (see padOffset): they compare
 * exactly as strings in JavaScript and in Lua, where numbers are doubles.
 */

/** Counters of one time bucket of one port baseline. */
export interface BucketCounters {
  flows: number;
  opaque: number;
  bytes: number;
  /**
   * Sum, sum of squares and count of initiator payload entropy in integer milli-bits/byte:
   * integers add exactly in JavaScript and Lua and print short, keeping Redis hashes compact.
   */
  entropyMilliSum: number;
  entropyMilliSqSum: number;
  entropyCount: number;
  /** Linear-counting bitmaps of sources and destinations (see distinct.ts), hex. */
  srcBits: string;
  dstBits: string;
}

export interface PortState {
  /** Event time of the first flow ever counted for this port (within the TTL). */
  readonly firstSeenMs: number | null;
  /** Highest event time counted. */
  readonly maxEventMs: number | null;
  /** Per tier (same order as the config's tiers): bucket index → counters. */
  readonly tiers: readonly ReadonlyMap<number, BucketCounters>[];
  /** Highest applied offset per source partition that was asked for. */
  readonly watermarks: Readonly<Record<string, string>>;
}

export interface AggregateState {
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly flowCount: number;
  readonly bytes: number;
  readonly sampleFlowIds: readonly string[];
  readonly watermarks: Readonly<Record<string, string>>;
}

export interface HostState {
  /** Evidence value as of refMs (decays with a half-life). */
  readonly evidence: number;
  readonly refMs: number;
  readonly watermarks: Readonly<Record<string, string>>;
}

export interface ReadRequest {
  /** Port baseline keys (see portKeyOf) with the source partitions whose watermarks matter. */
  readonly ports: readonly { readonly key: string; readonly pids: readonly string[] }[];
  readonly aggregates: readonly { readonly id: string; readonly pids: readonly string[] }[];
  readonly hosts: readonly { readonly addr: string; readonly pids: readonly string[] }[];
  /** Number of tiers to read per port. */
  readonly tierCount: number;
  /** Source partitions whose event-time watermarks to read. */
  readonly partitions?: readonly string[];
}

/**
 * A source partition's event-time watermark: the highest event time among its flows up to
 * offset. The pair it replaced is kept, so a retry of the batch that moved it (offsets above
 * previousOffset) meets the watermark its first attempt met, not one its own flows raised.
 * Kept in the store, so a replica that takes a partition over after a rebalance finds it.
 */
export interface LatenessState {
  readonly offset: string;
  readonly maxEventMs: number;
  readonly previousOffset: string | null;
  readonly previousMaxEventMs: number | null;
}

export interface ReadResult {
  readonly ports: ReadonlyMap<string, PortState>;
  readonly aggregates: ReadonlyMap<string, AggregateState | null>;
  readonly hosts: ReadonlyMap<string, HostState | null>;
  /** Per partition asked for that the store holds a watermark of. */
  readonly lateness: ReadonlyMap<string, LatenessState>;
}

/**
 * Watermark guard of one delta: it holds the effects of offsets minOffset..maxOffset of one
 * source partition. Stored watermark ≥ maxOffset: already applied (a replay), skip.
 * Stored watermark ≥ minOffset but < maxOffset: someone else applied part of it since the
 * read — a conflict. Otherwise apply and set the watermark to maxOffset, atomically.
 */
export interface DeltaGuard {
  readonly pid: string;
  readonly minOffset: string;
  readonly maxOffset: string;
  /** Wall-clock lifetime of the touched keys from now. */
  readonly ttlMs: number;
}

export interface TierDelta {
  /** Bucket index → counters to add. */
  readonly buckets: readonly (readonly [number, BucketCounters])[];
  /** Buckets with an index below this are outside every window: the store may drop them. */
  readonly cutoffIndex: number;
}

export interface PortDelta extends DeltaGuard {
  readonly key: string;
  readonly eventMinMs: number;
  readonly eventMaxMs: number;
  readonly tiers: readonly TierDelta[];
}

export interface AggregateDelta extends DeltaGuard {
  readonly id: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly flowCount: number;
  readonly bytes: number;
  readonly sampleFlowIds: readonly string[];
  readonly maxSampleFlowIds: number;
}

export interface HostDelta extends DeltaGuard {
  readonly addr: string;
  /** Evidence to add, already decayed to refMs. */
  readonly evidence: number;
  readonly refMs: number;
  readonly halfLifeMs: number;
}

/**
 * A batch's flows of one source partition, offsets minOffset..maxOffset, raise its watermark
 * to maxEventMs. Stored offset < minOffset: a new batch, the stored pair becomes the previous
 * one. Otherwise the same batch again (a retry) or an overlap: only raised, previous kept.
 */
export interface LatenessDelta {
  readonly pid: string;
  readonly minOffset: string;
  readonly maxOffset: string;
  readonly maxEventMs: number;
  readonly ttlMs: number;
}

export interface ApplyRequest {
  readonly ports: readonly PortDelta[];
  readonly aggregates: readonly AggregateDelta[];
  readonly hosts: readonly HostDelta[];
  /** Event-time watermarks to raise, applied after the deltas. */
  readonly lateness?: readonly LatenessDelta[];
  /** Aggregates this apply adds nothing to (replayed flows) whose totals it should return. */
  readonly observeAggregates?: readonly string[];
}

/** An aggregate's totals as the store holds them. */
export interface AggregateTotals {
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly flowCount: number;
  readonly bytes: number;
  readonly sampleFlowIds: readonly string[];
}

export interface ApplyResult {
  readonly applied: number;
  readonly replayed: number;
  readonly conflicts: number;
  /**
   * Per aggregate of the request (deltas and observed ids): its totals right after the
   * apply, read in the same atomic step, so they include every other writer's effects that
   * came before. Detections are built from these, so a flow count never goes backwards.
   * An aggregate the store does not hold (expired) is absent.
   */
  readonly aggregates: ReadonlyMap<string, AggregateTotals>;
}

export interface ScorerStore {
  /** One round trip: everything the batch needs to score. */
  read(request: ReadRequest): Promise<ReadResult>;
  /** One round trip: every delta, each checked and applied atomically against its watermark. */
  apply(request: ApplyRequest): Promise<ApplyResult>;
  close(): Promise<void>;
}

/** Key of a port baseline: port/transport[/scope]. */
export function portKeyOf(port: number, transport: string, scope: string | null): string {
  return scope === null ? `${port}/${transport}` : `${port}/${transport}/${scope}`;
}

const OFFSET_DIGITS = 20;

/** Kafka offsets are int64 as decimal strings; padded they compare exactly as strings. */
export function padOffset(offset: string): string | null {
  if (!/^\d{1,20}$/.test(offset)) return null;
  return offset.padStart(OFFSET_DIGITS, '0');
}

export function unpadOffset(padded: string): string {
  const trimmed = padded.replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

/**
 * An aggregate's sample flow ids: the `max` smallest ids of all its flows, in byte order (ids
 * are printable ASCII). A bottom-k sample merges to the same list whatever the order and
 * grouping of the flows — batches, source partitions, replicas — as the bitmaps do; the Lua
 * script keeps the same list.
 */
export function mergeSamples(a: readonly string[], b: readonly string[], max: number): string[] {
  const all = new Set(a);
  for (const id of b) all.add(id);
  return [...all].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).slice(0, Math.max(0, max));
}

/** The watermark a batch whose flows of a partition start at minOffset must meet. */
export function latenessStartOf(state: LatenessState | undefined, minOffset: string): number {
  if (state === undefined) return -Infinity;
  if (minOffset > state.offset) return state.maxEventMs;
  if (state.previousOffset === null || state.previousMaxEventMs === null) return -Infinity;
  // A retry of the batch that moved it; anything older is a re-fetch of applied flows.
  return minOffset > state.previousOffset ? state.previousMaxEventMs : -Infinity;
}

/** Applies a lateness delta to a stored watermark (the memory store; the Lua script agrees). */
export function raiseLateness(state: LatenessState | undefined, d: LatenessDelta): LatenessState {
  if (state === undefined)
    return {
      offset: d.maxOffset,
      maxEventMs: d.maxEventMs,
      previousOffset: null,
      previousMaxEventMs: null,
    };
  if (state.offset >= d.minOffset)
    return {
      ...state,
      offset: d.maxOffset > state.offset ? d.maxOffset : state.offset,
      maxEventMs: Math.max(state.maxEventMs, d.maxEventMs),
    };
  return {
    offset: d.maxOffset,
    maxEventMs: Math.max(state.maxEventMs, d.maxEventMs),
    previousOffset: state.offset,
    previousMaxEventMs: state.maxEventMs,
  };
}

/** The source partition id used in watermarks. */
export function partitionIdOf(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
