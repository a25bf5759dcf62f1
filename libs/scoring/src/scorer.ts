import type { Detection, PortBaselineSnapshot, Transport } from '@opaqueflow/flow-model';
import { baselineOf, type PortBaseline } from './baseline.js';
import type { ScorerConfig } from './config.js';
import { ScoringError } from './errors.js';
import { ExceptionCache, type ExceptionSource, type ScoringException } from './exceptions.js';
import { decayTo, hostScoreOf, type Evidence } from './host.js';
import { prepareItem, type BatchItem, type ItemSource, type PreparedItem } from './prepare.js';
import { DeltaBuilder, isNew } from './deltas.js';
import { contextReasons, scoreFlow, severityOf, totalScore, type FlowScore } from './score.js';
import { WorkingState } from './working.js';
import {
  latenessStartOf,
  portKeyOf,
  type AggregateTotals,
  type LatenessDelta,
  type LatenessState,
  type ReadResult,
  type ScorerStore,
} from './store-types.js';

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
   * (not opaque, rejected, or its own judgement scored below minScore).
   */
  readonly itemDetectionIds: (string | null)[];
  /**
   * Aligned with the batch's items: the detection as it stood right after the item was
   * applied (what a batch of that one item would have emitted), or null as above. The same
   * flows give the same item detections however they are batched.
   */
  readonly itemDetections: (Detection | null)[];
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

interface Judgement {
  readonly item: PreparedItem;
  readonly score: FlowScore;
  readonly baseline: PortBaseline;
  readonly exception: ScoringException | null;
  /** The aggregate right after this flow was counted in it. */
  readonly aggregate: AggregateTotals;
  /** The source host's evidence right after this flow. */
  readonly hostEvidence: Evidence | null;
}

/**
 * Turns batches of FlowFeatures into Detections against per-port baselines kept in a
 * ScorerStore. One read and one apply per batch; in between, the batch's flows are applied
 * one by one in event-time order to a working copy of what was read, so scores do not
 * depend on batch boundaries. Every state change is guarded by per-key offset watermarks,
 * so replaying a batch after a failure changes nothing.
 */
export class Scorer {
  readonly config: ScorerConfig;
  private readonly store: ScorerStore;
  private readonly clock: () => number;
  private readonly exceptions: ExceptionCache;
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
    const state = await this.store.read(readRequestOf(prepared, this.config.tiers.length));
    // The watermarks live in the store, per source partition, so a replica that takes a
    // partition over finds them; a retried batch meets the ones its first attempt met.
    const { lateness, tooLate } = judgeLateness(prepared, state.lateness, this.config);
    const judged = this.judgeAll(prepared, state);
    const nowMs = this.clock();
    const built = judged.deltas.build();
    // Aggregates only replayed flows touched get no delta; their totals are asked for too.
    const withDelta = new Set(built.aggregates.map((a) => a.id));
    const observeAggregates = [
      ...new Set(
        judged.judgements.map((j) => j.item.detectionId).filter((id) => !withDelta.has(id)),
      ),
    ];
    const applied = await this.store.apply({ ...built, observeAggregates, lateness });
    if (applied.conflicts > 0)
      throw new ScoringError(
        'SCORING_STORE_CONFLICT',
        `${applied.conflicts} state updates overlap offsets another writer applied since the read; re-read and retry the batch`,
        { retriable: true },
      );

    // Per aggregate, the latest judgement that reached minScore is what the topic gets.
    const itemDetections = new Map<PreparedItem, Detection>();
    const latest = new Map<string, Judgement>();
    const touched = new Set<string>();
    for (const j of judged.judgements) {
      touched.add(j.item.detectionId);
      const d = this.detectionOf(j, nowMs);
      if (d.score < this.config.minScore) continue;
      itemDetections.set(j.item, d);
      latest.set(j.item.detectionId, j);
    }
    const detections: Detection[] = [];
    let suppressed = 0;
    for (const j of latest.values()) {
      // Emitted with the aggregate's totals after the apply, which hold every replica's
      // flows applied before it: a detection's flow count never goes backwards.
      const after = applied.aggregates.get(j.item.detectionId);
      const d =
        after === undefined ? itemDetections.get(j.item)! : this.detectionOf(j, nowMs, after);
      if (d.status === 'suppressed') suppressed += 1;
      detections.push(d);
    }
    const stats: BatchStats = {
      items: items.length,
      rejected: rejected.length,
      opaque: judged.judgements.length,
      tooLate,
      detections: detections.length,
      suppressed,
      belowMinScore: touched.size - latest.size,
      replayedUpdates: applied.replayed,
      appliedUpdates: applied.applied,
    };
    for (const k of Object.keys(stats) as (keyof BatchStats)[]) this.totals[k] += stats[k];
    const perItem = preparedAt.map((p) => (p === null ? null : (itemDetections.get(p) ?? null)));
    return {
      detections,
      rejected,
      itemDetectionIds: perItem.map((d) => d?.id ?? null),
      itemDetections: perItem,
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

  /**
   * Applies the batch's items one by one, in event-time order, to a working copy of the
   * state read once: each flow is judged against exactly the flows before it, so one batch
   * of 5,000 judges as 5,000 batches of 1 would. Collects the deltas for the one apply.
   */
  private judgeAll(
    prepared: readonly PreparedItem[],
    state: ReadResult,
  ): { judgements: Judgement[]; deltas: DeltaBuilder } {
    const config = this.config;
    const work = new WorkingState(state, config);
    const deltas = new DeltaBuilder(config);
    const judgements: Judgement[] = [];
    for (const p of [...prepared].sort(byEventTime)) {
      const port = work.port(p.portKey);
      const horizonMs = Math.max(port.maxEventMs ?? -Infinity, p.eventMs);
      deltas.seePort(p.portKey, horizonMs);
      // The flow is judged before it counts in its own baseline.
      const baseline = p.opaque ? port.baseline(p, horizonMs) : null;
      if (!p.tooLate && isNew(port.watermarks, p)) {
        port.add(p);
        deltas.addPort(p);
      }
      if (baseline === null) continue;
      const score = scoreFlow(p, baseline, config);
      const exception = this.exceptions.match(p.features);
      const aggregate = work.aggregate(p.detectionId);
      const newChannel = !aggregate.present;
      if (isNew(aggregate.watermarks, p)) {
        work.addToAggregate(aggregate, p);
        deltas.addAggregate(p);
      }
      const host = work.host(p.host);
      // Approved services add no suspicion to their hosts.
      if (exception === null && isNew(host.watermarks, p)) {
        const add = {
          evidence: score.strength * (newChannel ? 1 : config.host.repeatWeight),
          refMs: p.eventMs,
        };
        if (add.evidence > 0) {
          work.addToHost(host, add);
          deltas.addHost(p, add);
        }
      }
      judgements.push({
        item: p,
        score,
        baseline,
        exception,
        aggregate: {
          firstSeenMs: aggregate.firstSeenMs,
          lastSeenMs: aggregate.lastSeenMs,
          flowCount: aggregate.flowCount,
          bytes: aggregate.bytes,
          sampleFlowIds: [...aggregate.sampleFlowIds],
        },
        hostEvidence: host.evidence,
      });
    }
    return { judgements, deltas };
  }

  /** The detection as it stands right after the judged flow was applied (or with given totals). */
  private detectionOf(j: Judgement, nowMs: number, a: AggregateTotals = j.aggregate): Detection {
    const p = j.item;
    const evidence =
      j.hostEvidence === null
        ? 0
        : decayTo(j.hostEvidence, a.lastSeenMs, this.config.host.halfLifeMs);
    const hostScore = Math.round(hostScoreOf(evidence, this.config.host.scale) * 10) / 10;
    const reasons = [...j.score.reasons, ...contextReasons(a.flowCount, hostScore, this.config)];
    const score = totalScore(reasons);
    return {
      id: p.detectionId,
      firstSeenMs: a.firstSeenMs,
      lastSeenMs: a.lastSeenMs,
      windowStartMs: p.windowStartMs,
      flowCount: a.flowCount,
      bytes: a.bytes,
      score,
      severity: severityOf(score, this.config.severity),
      verdict: p.features.verdict,
      srcAddr: p.host,
      dstAddr: p.dst,
      dstPort: p.port,
      transport: p.transport,
      reasons,
      baseline: j.baseline.snapshot,
      hostScore,
      attack: { analytic: ATTACK.analytic, techniques: [...ATTACK.techniques] },
      exceptionId: j.exception?.id ?? null,
      status: j.exception === null ? 'open' : 'suppressed',
      sampleFlowIds: [...a.sampleFlowIds],
      updatedMs: nowMs,
    };
  }
}

/** Event time, then the flow's start, then its place in its partition: a total order. */
function byEventTime(a: PreparedItem, b: PreparedItem): number {
  return (
    a.eventMs - b.eventMs ||
    a.features.flow.startMs - b.features.flow.startMs ||
    (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0) ||
    (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)
  );
}

/**
 * Marks the flows that arrived after their partition's event time had passed them by more
 * than the allowed lateness. Judged in offset order, partition by partition, from the
 * watermark the store holds, so where a batch boundary falls does not change which flows
 * are late. Returns the watermark moves to apply with the batch.
 */
function judgeLateness(
  prepared: readonly PreparedItem[],
  stored: ReadonlyMap<string, LatenessState>,
  config: ScorerConfig,
): { lateness: LatenessDelta[]; tooLate: number } {
  const byPartition = new Map<string, PreparedItem[]>();
  for (const p of prepared) {
    const list = byPartition.get(p.pid);
    if (list === undefined) byPartition.set(p.pid, [p]);
    else list.push(p);
  }
  const ttlMs =
    config.tiers[config.tiers.length - 1]!.windowMs + config.allowedLatenessMs + config.ttlSlackMs;
  const lateness: LatenessDelta[] = [];
  let tooLate = 0;
  for (const [pid, list] of byPartition) {
    list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    let wm = latenessStartOf(stored.get(pid), list[0]!.offset);
    for (const p of list) {
      if (p.eventMs < wm - config.allowedLatenessMs) {
        p.tooLate = true;
        tooLate += 1;
      }
      if (p.eventMs > wm) wm = p.eventMs;
    }
    lateness.push({
      pid,
      minOffset: list[0]!.offset,
      maxOffset: list[list.length - 1]!.offset,
      maxEventMs: wm,
      ttlMs,
    });
  }
  return { lateness, tooLate };
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
    partitions: [...new Set(prepared.map((p) => p.pid))],
    ports: [...ports].map(([key, pids]) => ({ key, pids: [...pids] })),
    aggregates: [...aggregates].map(([id, pids]) => ({ id, pids: [...pids] })),
    hosts: [...hosts].map(([addr, pids]) => ({ addr, pids: [...pids] })),
    tierCount,
  };
}
