import type { Detection, Severity, Transport, Verdict } from '@opaqueflow/flow-model';
import type ipaddr from 'ipaddr.js';

/** Where an analyst is with a detection. */
export type TriageStatus = 'new' | 'acknowledged' | 'false_positive' | 'resolved';

export const TRIAGE_STATUSES: readonly TriageStatus[] = Object.freeze([
  'new',
  'acknowledged',
  'false_positive',
  'resolved',
]);

export interface TriageComment {
  readonly atMs: number;
  readonly author: string;
  /** The status set with this comment. */
  readonly status: TriageStatus;
  readonly text: string;
}

export interface Triage {
  readonly status: TriageStatus;
  readonly updatedMs: number | null;
  readonly updatedBy: string | null;
  /** Oldest first; the view keeps the latest maxComments. */
  readonly comments: readonly TriageComment[];
}

/** One detection as the view holds it: the scorer's latest version plus its triage. */
export interface ViewItem {
  readonly detection: Detection;
  readonly triage: Triage;
}

export interface TriageChange {
  readonly status: TriageStatus;
  readonly actor: string;
  readonly comment: string | null;
  readonly atMs: number;
}

export interface TriageAuditEntry {
  readonly detectionId: string;
  readonly actor: string;
  readonly from: TriageStatus;
  readonly to: TriageStatus;
  readonly comment: string | null;
  readonly atMs: number;
}

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Every present field must match (lists: any of their values). */
export interface DetectionFilter {
  /** First seen at or after (ms). */
  readonly fromMs?: number;
  /** First seen before (ms). */
  readonly toMs?: number;
  readonly src?: Cidr;
  readonly dst?: Cidr;
  readonly dstPort?: number;
  readonly transport?: Transport;
  readonly minScore?: number;
  readonly severity?: readonly Severity[];
  readonly status?: readonly TriageStatus[];
  readonly verdict?: readonly Verdict[];
}

/** time: first seen; score: the detection's score. Ties are ordered by id. */
export type SortKey = 'time' | 'score';
export type SortOrder = 'asc' | 'desc';

/** A position in one ordering: the sort key's value and the id of the last item returned. */
export interface CursorPosition {
  readonly key: number;
  readonly id: string;
}

export interface PageRequest {
  readonly filter: DetectionFilter;
  readonly sort: SortKey;
  readonly order: SortOrder;
  readonly limit: number;
  readonly after: CursorPosition | null;
}

export interface Page {
  readonly items: readonly ViewItem[];
  /** Where the next page starts; null when the ordering is exhausted. */
  readonly next: CursorPosition | null;
}

export interface UpsertResult {
  /** New detections or newer versions of known ones. */
  readonly applied: number;
  /** Versions no newer than the one held (replays, duplicates): nothing changed. */
  readonly stale: number;
  /** Older than the retention: not kept. */
  readonly expired: number;
}

/** One entry of the live feed: a detection that was added or updated. */
export interface FeedEvent {
  /** Resumable position (SSE id): events after it come in order. */
  readonly id: string;
  readonly detection: Detection;
}

/**
 * The queryable view of detections, materialised from the detections topic (upserts by
 * detection id, the highest version wins) and rebuildable from it. Triage lives beside the
 * detection data and survives its updates.
 */
export interface DetectionView {
  upsert(detections: readonly Detection[]): Promise<UpsertResult>;
  get(id: string): Promise<ViewItem | null>;
  query(request: PageRequest): Promise<Page>;
  /** null when the detection is unknown. */
  setTriage(id: string, change: TriageChange): Promise<ViewItem | null>;
  /** Newest first; one detection's when id is given. */
  triageAudit(limit: number, detectionId?: string): Promise<TriageAuditEntry[]>;
  /** Events after lastEventId (from the oldest kept when null), oldest first. */
  feedAfter(lastEventId: string | null, limit: number): Promise<FeedEvent[]>;
  /** The id a new live subscriber starts after (the newest event now). */
  feedHead(): Promise<string | null>;
  /** Told when this process changed the view (other replicas are seen by polling). */
  onChange(listener: () => void): () => void;
  /** Drops detections last seen before nowMs - retention; returns how many. */
  prune(nowMs: number): Promise<number>;
  count(): Promise<number>;
  close(): Promise<void>;
}

export interface ViewOptions {
  /** Detections last seen longer ago than this are dropped (and not re-added by a rebuild). */
  readonly retentionMs: number;
  /** Comments kept per detection (the oldest go first). */
  readonly maxComments?: number;
  /** Live feed events kept for resuming. */
  readonly feedLength?: number;
  readonly clock?: () => number;
}
