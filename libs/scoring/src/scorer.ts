import type { Detection, PortBaselineSnapshot, Transport } from '@opaqueflow/flow-model';
import { baselineOf, type PortBaseline } from './baseline.js';
import type { ScorerConfig } from './config.js';
import { ScoringError } from './errors.js';
import { ExceptionCache, type ExceptionSource, type ScoringException } from './exceptions.js';
import { decayTo, hostScoreOf } from './host.js';
import { prepareItem, type BatchItem, type ItemSource, type PreparedItem } from './prepare.js';
import { buildDeltas, isNew } from './deltas.js';
import { contextReasons, scoreFlow, severityOf, totalScore, type FlowScore } from './score.js';
import { portKeyOf, type ReadResult, type ScorerStore } from './store-types.js';

export interface RejectedItem {
  readonly source: ItemSource;
  /** Machine-readable reason, e.g. "invalid-dst-port": the dead-letter header. */
  readonly reason: string;
}

export interface PartitionCommit {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to commit (highest processed + 1). */
  readonly offset: string;
}

export interface BatchStats {
  readonly items: number;
  readonly rejected: number;
  readonly opaque: number;
  /** Flows older than their partition's event-time watermark minus the allowed lateness: scored, not counted in baselines. */
  readonly tooLate: number;
  readonly detections: number;
  readonly suppressed: number;
  readonly belowMinScore: number;
  /** Key updates the store skipped because their offsets were applied before (replays). */
  readonly replayedUpdates: number;
  readonly appliedUpdates: number;
}

export interface ScorerCounters extends BatchStats {
  readonly exceptionLoadFailures: number;
  readonly exceptionInvalidRecords: number;
}

export interface BatchResult {
  readonly detections: Detection[];
  readonly rejected: RejectedItem[];
  /** Offsets that may be committed once the detections are acknowledged downstream. */
  readonly commits: PartitionCommit[];
  /**
   * Aligned with the batch's items: the id of the detection each item counts in, or null
   * (not opaque, rejected, or its aggregate scored below minScore).
   */
  readonly itemDetectionIds: (string | null)[];
  readonly stats: BatchStats;
}

export interface ScorerOptions {
  readonly config: ScorerConfig;
  readonly store: ScorerStore;
  readonly exceptions?: ExceptionSource | null;
  /** Wall clock: exception expiry and key lifetimes; event time comes from the flows. */
  readonly clock?: () => number;
}

const ATTACK = { analytic: 'AN0404', techniques: ['T1573', 'T1571'] } as const;

interface Scored {
  readonly item: PreparedItem;
  readonly score: FlowScore;
  readonly baseline: PortBaseline;
  readonly exception: ScoringException | null;
}

/**
 * Turns batches of FlowFeatures into Detections against per-port baselines kept in a
 * ScorerStore. One read and one apply per batch; every state change is guarded by per-key
 * offset watermarks, so replaying a batch after a failure changes nothing.
 */
export class Scorer {
  readonly config: ScorerConfig;
  private readonly store: ScorerStore;
  private readonly clock: () => number;
  private readonly exceptions: ExceptionCache;
  /** Event-time watermark per source partition: the lateness of a flow is judged against it. */
  private readonly eventWatermarks = new Map<string, number>();
  private readonly totals: Record<keyof BatchStats, number> = {
    items: 0,
    rejected: 0,
    opaque: 0,
    tooLate: 0,
    detections: 0,
    suppressed: 0,
    belowMinScore: 0,
    replayedUpdates: 0,
    appliedUpdates: 0,
  };

  constructor(options: ScorerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.clock = options.clock ?? Date.now;
    this.exceptions = new ExceptionCache(
      options.exceptions ?? null,
      this.config.exceptionPollMs,
      this.clock,
    );
  }

  /** Version of the exception set in force (null before the first load or without a source). */
  get exceptionsVersion(): string | null {
    return this.exceptions.version;
  }

  /**
   * Totals since start, for metrics (opaqueflow_scorer_…_total): the batch figures summed,
   * plus the exception source's failures and malformed records.
   */
  counters(): ScorerCounters {
    return {
      ...this.totals,
      exceptionLoadFailures: this.exceptions.loadFailures,
      exceptionInvalidRecords: this.exceptions.invalidRecords,
    };
  }

  /** Check the exception source now (a service may call this on a timer while idle). */
  async refreshExceptions(): Promise<void> {
    await this.exceptions.refresh();
  }

  async processBatch(items: readonly BatchItem[]): Promise<BatchResult> {
    await this.exceptions.refresh();
    const prepared: PreparedItem[] = [];
    const rejected: RejectedItem[] = [];
    const commits = new Map<string, { topic: string; partition: number; next: bigint }>();
    const preparedAt: (PreparedItem | null)[] = [];
    for (const item of items) {
      const p = prepareItem(item, this.config);
      if (typeof p === 'string') rejected.push({ source: item?.source, reason: p });
      else prepared.push(p);
      preparedAt.push(typeof p === 'string' ? null : p);
      noteCommit(commits, item);
    }
    // Watermarks move only once the batch has been applied: a retried batch must meet the
    // same watermarks, or its own later flows would make its earlier ones "too late".
    const watermarks = new Map(this.eventWatermarks);
    let tooLate = 0;
    for (const p of prepared) {
      const wm = watermarks.get(p.pid) ?? -Infinity;
      if (p.eventMs < wm - this.config.allowedLatenessMs) {
        p.tooLate = true;
        tooLate += 1;
      }
      if (p.eventMs > wm) watermarks.set(p.pid, p.eventMs);
    }

    const state = await this.store.read(readRequestOf(prepared, this.config.tiers.length));
    const scored = this.scoreAll(prepared, state);
    const deltas = buildDeltas(prepared, scored, state, this.config);
    const detections: Detection[] = [];
    let suppressed = 0;
    let belowMinScore = 0;
    const nowMs = this.clock();
    for (const [id, group] of groupBy(scored, (s) => s.item.detectionId)) {
      const d = this.detectionOf(id, group, state, deltas.hostAdds, nowMs);
      if (d.score < this.config.minScore) {
        belowMinScore += 1;
        continue;
      }
      if (d.status === 'suppressed') suppressed += 1;
      detections.push(d);
    }
    const applied = await this.store.apply(deltas.request);
    if (applied.conflicts > 0)
      throw new ScoringError(
        'SCORING_STORE_CONFLICT',
        `${applied.conflicts} state updates overlap offsets another writer applied since the read; re-read and retry the batch`,
        { retriable: true },
      );
    for (const [pid, wm] of watermarks) this.eventWatermarks.set(pid, wm);
    const stats: BatchStats = {
      items: items.length,
      rejected: rejected.length,
      opaque: scored.length,
      tooLate,
      detections: detections.length,
      suppressed,
      belowMinScore,
      replayedUpdates: applied.replayed,
      appliedUpdates: applied.applied,
    };
    for (const k of Object.keys(stats) as (keyof BatchStats)[]) this.totals[k] += stats[k];
    const emitted = new Set(detections.map((d) => d.id));
    return {
      detections,
      rejected,
      itemDetectionIds: preparedAt.map((p) =>
        p !== null && p.opaque && emitted.has(p.detectionId) ? p.detectionId : null,
      ),
      commits: [...commits.values()].map((c) => ({
        topic: c.topic,
        partition: c.partition,
        offset: c.next.toString(),
      })),
      stats,
    };
  }

  /** A port's baseline as the store holds it now (for the query service and tests). */
  async baseline(
    port: number,
    transport: Transport,
    scope: string | null = null,
    atMs?: number,
  ): Promise<PortBaselineSnapshot> {
    const key = portKeyOf(port, transport, scope);
    const state = await this.store.read({
      ports: [{ key, pids: [] }],
      aggregates: [],
      hosts: [],
      tierCount: this.config.tiers.length,
    });
    const s = state.ports.get(key);
    const horizon = atMs ?? s?.maxEventMs ?? this.clock();
    return baselineOf(s, port, transport, horizon, this.config).snapshot;
  }

  close(): void {
    this.exceptions.close();
  }

  private scoreAll(prepared: readonly PreparedItem[], state: ReadResult): Scored[] {
    const horizons = new Map<string, number>();
    for (const p of prepared) {
      const stored = state.ports.get(p.portKey)?.maxEventMs ?? -Infinity;
      horizons.set(p.portKey, Math.max(horizons.get(p.portKey) ?? stored, stored, p.eventMs));
    }
    const baselines = new Map<string, PortBaseline>();
    const out: Scored[] = [];
    for (const p of prepared) {
      if (!p.opaque) continue;
      let baseline = baselines.get(p.portKey);
      if (baseline === undefined) {
        baseline = baselineOf(
          state.ports.get(p.portKey),
          p.port,
          p.transport,
          horizons.get(p.portKey)!,
          this.config,
        );
        baselines.set(p.portKey, baseline);
      }
      out.push({
        item: p,
        score: scoreFlow(p, baseline, this.config),
        baseline,
        exception: this.exceptions.match(p.features),
      });
    }
    return out;
  }

  private detectionOf(
    id: string,
    group: readonly Scored[],
    state: ReadResult,
    hostAdds: ReadonlyMap<string, { evidence: number; refMs: number }[]>,
    nowMs: number,
  ): Detection {
    const stored = state.aggregates.get(id) ?? null;
    let first = stored?.firstSeenMs ?? Infinity;
    let last = stored?.lastSeenMs ?? -Infinity;
    let flowCount = stored?.flowCount ?? 0;
    let bytes = stored?.bytes ?? 0;
    const samples = [...(stored?.sampleFlowIds ?? [])];
    let best = group[0]!;
    for (const s of group) {
      if (s.score.points > best.score.points) best = s;
      const p = s.item;
      first = Math.min(first, p.features.flow.startMs);
      last = Math.max(last, p.eventMs);
      if (!isNew(stored?.watermarks, p)) continue;
      flowCount += 1;
      bytes += p.bytes;
      if (samples.length < this.config.aggregation.maxSampleFlowIds)
        samples.push(p.features.flow.flowId);
    }
    const p = best.item;
    const host = state.hosts.get(p.host) ?? null;
    let evidence = host === null ? 0 : decayTo(host, last, this.config.host.halfLifeMs);
    for (const add of hostAdds.get(p.host) ?? [])
      evidence += decayTo(add, Math.max(last, add.refMs), this.config.host.halfLifeMs);
    const hostScore = Math.round(hostScoreOf(evidence, this.config.host.scale) * 10) / 10;
    const reasons = [...best.score.reasons, ...contextReasons(flowCount, hostScore, this.config)];
    const score = totalScore(reasons);
    return {
      id,
      firstSeenMs: first,
      lastSeenMs: last,
      windowStartMs: p.windowStartMs,
      flowCount,
      bytes,
      score,
      severity: severityOf(score, this.config.severity),
      verdict: p.features.verdict,
      srcAddr: p.host,
      dstAddr: p.dst,
      dstPort: p.port,
      transport: p.transport,
      reasons,
      baseline: best.baseline.snapshot,
      hostScore,
      attack: { analytic: ATTACK.analytic, techniques: [...ATTACK.techniques] },
      exceptionId: best.exception?.id ?? null,
      status: best.exception === null ? 'open' : 'suppressed',
      sampleFlowIds: samples,
      updatedMs: nowMs,
    };
  }
}

export function createScorer(options: ScorerOptions): Scorer {
  return new Scorer(options);
}

function noteCommit(
  commits: Map<string, { topic: string; partition: number; next: bigint }>,
  item: BatchItem,
): void {
  try {
    const { topic, partition, offset } = item.source;
    if (typeof topic !== 'string' || !Number.isInteger(partition) || !/^\d{1,20}$/.test(offset))
      return;
    const key = `${topic}:${partition}`;
    const next = BigInt(offset) + 1n;
    const c = commits.get(key);
    if (c === undefined) commits.set(key, { topic, partition, next });
    else if (next > c.next) c.next = next;
  } catch {
    // An item without a usable source cannot move a commit; it is reported as rejected.
  }
}

function readRequestOf(prepared: readonly PreparedItem[], tierCount: number) {
  const ports = new Map<string, Set<string>>();
  const aggregates = new Map<string, Set<string>>();
  const hosts = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, pid: string): void => {
    let s = m.get(k);
    if (s === undefined) m.set(k, (s = new Set()));
    s.add(pid);
  };
  for (const p of prepared) {
    add(ports, p.portKey, p.pid);
    if (!p.opaque) continue;
    add(aggregates, p.detectionId, p.pid);
    add(hosts, p.host, p.pid);
  }
  return {
    ports: [...ports].map(([key, pids]) => ({ key, pids: [...pids] })),
    aggregates: [...aggregates].map(([id, pids]) => ({ id, pids: [...pids] })),
    hosts: [...hosts].map(([addr, pids]) => ({ addr, pids: [...pids] })),
    tierCount,
  };
}

export function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = keyOf(t);
    const list = out.get(k);
    if (list === undefined) out.set(k, [t]);
    else list.push(t);
  }
  return out;
}

export type { Scored };
