import type { Detection } from '@opaqueflow/flow-model';
import { comparePositions, isNewerVersion, matchesFilter, sortKeyOf } from './filter.js';
import type {
  CursorPosition,
  DetectionView,
  FeedEvent,
  Page,
  PageRequest,
  SortKey,
  Triage,
  TriageAuditEntry,
  TriageChange,
  UpsertResult,
  ViewItem,
  ViewOptions,
} from './types.js';

const NEW_TRIAGE: Triage = Object.freeze({
  status: 'new',
  updatedMs: null,
  updatedBy: null,
  comments: Object.freeze([]),
});

/** Ids in ascending (key, id) order, kept sorted by binary insertion. */
class SortedIndex {
  private readonly positions: CursorPosition[] = [];

  private lowerBound(p: CursorPosition): number {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(this.positions[mid]!, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(p: CursorPosition): void {
    this.positions.splice(this.lowerBound(p), 0, p);
  }

  remove(p: CursorPosition): void {
    const i = this.lowerBound(p);
    const at = this.positions[i];
    if (at !== undefined && comparePositions(at, p) === 0) this.positions.splice(i, 1);
  }

  /** Positions after the cursor in the given order, lazily. */
  *walk(after: CursorPosition | null, order: 'asc' | 'desc'): Generator<CursorPosition> {
    if (order === 'asc') {
      let i = after === null ? 0 : this.lowerBound(after);
      if (
        after !== null &&
        i < this.positions.length &&
        comparePositions(this.positions[i]!, after) === 0
      )
        i += 1;
      for (; i < this.positions.length; i++) yield this.positions[i]!;
    } else {
      let i = after === null ? this.positions.length - 1 : this.lowerBound(after) - 1;
      for (; i >= 0; i--) yield this.positions[i]!;
    }
  }
}

interface Entry {
  detection: Detection;
  triage: Triage;
}

/**
 * The embedded view: the same semantics as the Redis view in process memory. Bounded by the
 * retention (prune) and by maxDetections, evicting the earliest first seen (counted).
 */
export class MemoryDetectionView implements DetectionView {
  private readonly entries = new Map<string, Entry>();
  private readonly indexes: Record<SortKey, SortedIndex> = {
    time: new SortedIndex(),
    score: new SortedIndex(),
  };
  private readonly audit: TriageAuditEntry[] = [];
  private readonly feed: FeedEvent[] = [];
  private feedSeq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly retentionMs: number;
  private readonly maxComments: number;
  private readonly feedLength: number;
  private readonly maxDetections: number;
  private readonly clock: () => number;
  /** Detections dropped because the view was full. */
  evicted = 0;

  constructor(options: ViewOptions & { readonly maxDetections?: number }) {
    this.retentionMs = options.retentionMs;
    this.maxComments = options.maxComments ?? 100;
    this.feedLength = options.feedLength ?? 10_000;
    this.maxDetections = options.maxDetections ?? 1_000_000;
    this.clock = options.clock ?? Date.now;
  }

  upsert(detections: readonly Detection[]): Promise<UpsertResult> {
    let applied = 0;
    let stale = 0;
    let expired = 0;
    const cutoff = this.clock() - this.retentionMs;
    for (const d of detections) {
      if (d.lastSeenMs < cutoff) {
        expired += 1;
        continue;
      }
      const held = this.entries.get(d.id);
      if (held !== undefined && !isNewerVersion(d, held.detection)) {
        stale += 1;
        continue;
      }
      if (held !== undefined) this.unindex(held.detection);
      else if (this.entries.size >= this.maxDetections) this.evictOne();
      this.entries.set(d.id, { detection: d, triage: held?.triage ?? NEW_TRIAGE });
      this.indexes.time.add({ key: sortKeyOf(d, 'time'), id: d.id });
      this.indexes.score.add({ key: sortKeyOf(d, 'score'), id: d.id });
      this.feedSeq += 1;
      this.feed.push({ id: String(this.feedSeq), detection: d });
      applied += 1;
    }
    if (this.feed.length > this.feedLength) this.feed.splice(0, this.feed.length - this.feedLength);
    if (applied > 0) this.changed();
    return Promise.resolve({ applied, stale, expired });
  }

  get(id: string): Promise<ViewItem | null> {
    const e = this.entries.get(id);
    return Promise.resolve(e === undefined ? null : { detection: e.detection, triage: e.triage });
  }

  query(request: PageRequest): Promise<Page> {
    const items: ViewItem[] = [];
    let last: CursorPosition | null = null;
    let exhausted = true;
    for (const p of this.indexes[request.sort].walk(request.after, request.order)) {
      if (items.length >= request.limit) {
        exhausted = false;
        break;
      }
      const e = this.entries.get(p.id);
      if (e === undefined) continue;
      const item = { detection: e.detection, triage: e.triage };
      if (!matchesFilter(item, request.filter)) continue;
      items.push(item);
      last = p;
    }
    return Promise.resolve({ items, next: exhausted ? null : last });
  }

  setTriage(id: string, change: TriageChange): Promise<ViewItem | null> {
    const e = this.entries.get(id);
    if (e === undefined) return Promise.resolve(null);
    const comments =
      change.comment === null
        ? e.triage.comments
        : [
            ...e.triage.comments,
            {
              atMs: change.atMs,
              author: change.actor,
              status: change.status,
              text: change.comment,
            },
          ].slice(-this.maxComments);
    this.audit.push({
      detectionId: id,
      actor: change.actor,
      from: e.triage.status,
      to: change.status,
      comment: change.comment,
      atMs: change.atMs,
    });
    if (this.audit.length > 10_000) this.audit.splice(0, this.audit.length - 10_000);
    e.triage = { status: change.status, updatedMs: change.atMs, updatedBy: change.actor, comments };
    this.changed();
    return Promise.resolve({ detection: e.detection, triage: e.triage });
  }

  triageAudit(limit: number, detectionId?: string): Promise<TriageAuditEntry[]> {
    const out: TriageAuditEntry[] = [];
    for (let i = this.audit.length - 1; i >= 0 && out.length < limit; i--) {
      const a = this.audit[i]!;
      if (detectionId === undefined || a.detectionId === detectionId) out.push(a);
    }
    return Promise.resolve(out);
  }

  feedAfter(lastEventId: string | null, limit: number): Promise<FeedEvent[]> {
    const after = lastEventId === null ? 0 : Number(lastEventId);
    const out: FeedEvent[] = [];
    for (const ev of this.feed) {
      if (out.length >= limit) break;
      if (Number(ev.id) > (Number.isFinite(after) ? after : 0)) out.push(ev);
    }
    return Promise.resolve(out);
  }

  feedHead(): Promise<string | null> {
    return Promise.resolve(this.feedSeq === 0 ? null : String(this.feedSeq));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  prune(nowMs: number): Promise<number> {
    const cutoff = nowMs - this.retentionMs;
    let dropped = 0;
    for (const [id, e] of this.entries) {
      if (e.detection.lastSeenMs >= cutoff) continue;
      this.unindex(e.detection);
      this.entries.delete(id);
      dropped += 1;
    }
    return Promise.resolve(dropped);
  }

  count(): Promise<number> {
    return Promise.resolve(this.entries.size);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private unindex(d: Detection): void {
    this.indexes.time.remove({ key: sortKeyOf(d, 'time'), id: d.id });
    this.indexes.score.remove({ key: sortKeyOf(d, 'score'), id: d.id });
  }

  /** The detection first seen longest ago goes (the time index's head: no scan). */
  private evictOne(): void {
    for (const p of this.indexes.time.walk(null, 'asc')) {
      const e = this.entries.get(p.id);
      if (e === undefined) continue;
      this.unindex(e.detection);
      this.entries.delete(p.id);
      this.evicted += 1;
      return;
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
