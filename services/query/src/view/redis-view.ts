import type { Detection } from '@opaqueflow/flow-model';
import type { Cluster, Redis } from 'ioredis';
import { QueryError } from '../errors.js';
import { matchesFields, matchesFilter, type IndexedFields } from './filter.js';
import { PRUNE, SCAN, TRIAGE, UPSERT } from './redis-scripts.js';
import type {
  CursorPosition,
  DetectionFilter,
  DetectionView,
  FeedEvent,
  Page,
  PageRequest,
  Triage,
  TriageAuditEntry,
  TriageChange,
  TriageComment,
  TriageStatus,
  UpsertResult,
  ViewItem,
  ViewOptions,
} from './types.js';
import { TRIAGE_STATUSES } from './types.js';

export interface RedisViewOptions extends ViewOptions {
  readonly client: Redis | Cluster;
  /** Prefix of every key (default "of:"); the view's keys are <prefix>{view}:… */
  readonly keyPrefix?: string;
  /** Index entries a query may read to fill one page before returning it short with a cursor. */
  readonly scanBudget?: number;
}

type Reply = unknown[];

interface ViewCommands {
  ofViewUpsert(key: string, ...args: string[]): Promise<number>;
  ofViewTriage(key: string, ...args: string[]): Promise<string | null>;
  ofViewScan(key: string, ...args: string[]): Promise<Reply>;
  ofViewPrune(key: string, ...args: string[]): Promise<number>;
}

const AUDIT_MAX = 10_000;

function statusOf(value: unknown): TriageStatus {
  return TRIAGE_STATUSES.includes(value as TriageStatus) ? (value as TriageStatus) : 'new';
}

function commentsOf(raw: unknown): TriageComment[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((s) => {
    try {
      return [JSON.parse(String(s)) as TriageComment];
    } catch {
      return [];
    }
  });
}

function itemOf(fields: unknown, comments: unknown): ViewItem | null {
  if (!Array.isArray(fields) || typeof fields[0] !== 'string') return null;
  let detection: Detection;
  try {
    detection = JSON.parse(fields[0]) as Detection;
  } catch {
    return null;
  }
  const at = fields[3] === null || fields[3] === undefined ? null : Number(fields[3]);
  const triage: Triage = {
    status: statusOf(fields[1]),
    updatedMs: at,
    updatedBy: typeof fields[2] === 'string' ? fields[2] : null,
    comments: commentsOf(comments),
  };
  return { detection, triage };
}

function fieldsOf(raw: unknown): IndexedFields | null {
  if (!Array.isArray(raw) || raw[0] === null || raw[0] === undefined) return null;
  const v = raw as (string | null)[];
  return {
    firstSeenMs: Number(v[0]),
    severity: v[1] ?? '',
    verdict: v[2] ?? '',
    transport: v[3] ?? '',
    dstPort: Number(v[4]),
    srcAddr: v[5] ?? '',
    dstAddr: v[6] ?? '',
    score: Number(v[7]),
    status: v[8] ?? 'new',
  };
}

/** Which equality filter has a time index of its own (only one can narrow a scan). */
function timeIndexesFor(f: DetectionFilter, base: string): string[] {
  const out: string[] = [];
  if (f.dstPort !== undefined) out.push(`${base}t:dp:${f.dstPort}`);
  if (f.status?.length === 1) out.push(`${base}t:st:${f.status[0]}`);
  if (f.verdict?.length === 1) out.push(`${base}t:vd:${f.verdict[0]}`);
  if (f.severity?.length === 1) out.push(`${base}t:sv:${f.severity[0]}`);
  if (f.transport !== undefined) out.push(`${base}t:tr:${f.transport}`);
  return out;
}

/**
 * The view in Redis: a hash per detection, sorted sets by first seen and by score, a time
 * index per filterable value (port, status, verdict, severity, transport), a last-seen index
 * for retention, a stream of changes for the live feed and one for the triage audit. Upserts
 * are one Lua call per detection that keeps the highest version, so replaying the topic
 * (a rebuild, a redelivered batch) changes nothing it already holds.
 * A query walks the narrowest index in keyset order and applies the remaining filters here;
 * CIDR and score filters read index entries until the page is full or the scan budget is
 * spent (the page then comes back short, with a cursor to go on).
 */
export class RedisDetectionView implements DetectionView {
  private readonly client: Redis | Cluster;
  private readonly base: string;
  private readonly retentionMs: number;
  private readonly maxComments: number;
  private readonly feedLength: number;
  private readonly scanBudget: number;
  private readonly clock: () => number;
  private readonly listeners = new Set<() => void>();
  private readonly commands: ViewCommands;

  constructor(options: RedisViewOptions) {
    this.client = options.client;
    this.base = `${options.keyPrefix ?? 'of:'}{view}:`;
    this.retentionMs = options.retentionMs;
    this.maxComments = options.maxComments ?? 100;
    this.feedLength = options.feedLength ?? 10_000;
    this.scanBudget = options.scanBudget ?? 5_000;
    this.clock = options.clock ?? Date.now;
    const c = this.client as unknown as {
      defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void;
    } & Partial<ViewCommands>;
    if (c.ofViewUpsert === undefined) {
      c.defineCommand('ofViewUpsert', { numberOfKeys: 1, lua: UPSERT });
      c.defineCommand('ofViewTriage', { numberOfKeys: 1, lua: TRIAGE });
      c.defineCommand('ofViewScan', { numberOfKeys: 1, lua: SCAN });
      c.defineCommand('ofViewPrune', { numberOfKeys: 1, lua: PRUNE });
    }
    this.commands = this.client as unknown as ViewCommands;
  }

  async upsert(detections: readonly Detection[]): Promise<UpsertResult> {
    if (detections.length === 0) return { applied: 0, stale: 0, expired: 0 };
    const cutoff = String(this.clock() - this.retentionMs);
    const pipe = this.client.pipeline() as unknown as ViewCommands & {
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    for (const d of detections) {
      void pipe.ofViewUpsert(
        `${this.base}d:${d.id}`,
        this.base,
        d.id,
        String(d.updatedMs),
        String(d.flowCount),
        String(d.firstSeenMs),
        String(d.lastSeenMs),
        String(d.score),
        d.severity,
        d.verdict,
        d.transport,
        String(d.dstPort),
        JSON.stringify(d),
        String(this.feedLength),
        cutoff,
        d.srcAddr,
        d.dstAddr,
      );
    }
    const replies = await this.run(() => pipe.exec(), 'upsert');
    let applied = 0;
    let stale = 0;
    let expired = 0;
    for (const [err, value] of replies ?? []) {
      if (err !== null)
        throw new QueryError('QUERY_STORE_FAILED', 'view upsert failed', { cause: err });
      if (value === -1) expired += 1;
      else if (value === 0) stale += 1;
      else applied += 1;
    }
    if (applied > 0) this.changed();
    return { applied, stale, expired };
  }

  async get(id: string): Promise<ViewItem | null> {
    const h = `${this.base}d:${id}`;
    const replies = await this.run(
      () =>
        this.client
          .multi()
          .hmget(h, 'j', 'ts', 'tb', 'ta')
          .lrange(`${this.base}c:${id}`, 0, -1)
          .exec(),
      'get',
    );
    const [fields, comments] = replies ?? [];
    if (fields?.[0] || comments?.[0])
      throw new QueryError('QUERY_STORE_FAILED', 'view read failed', {
        cause: fields?.[0] ?? comments?.[0],
      });
    return itemOf(fields?.[1], comments?.[1]);
  }

  async query(request: PageRequest): Promise<Page> {
    const f = request.filter;
    let index = request.sort === 'score' ? `${this.base}s` : `${this.base}t`;
    if (request.sort === 'time') {
      const candidates = timeIndexesFor(f, this.base);
      if (candidates.length > 0) {
        const sizes = await this.run(
          () => Promise.all(candidates.map((k) => this.client.zcard(k))),
          'query',
        );
        let best = 0;
        sizes.forEach((s, i) => {
          if (s < sizes[best]!) best = i;
        });
        index = candidates[best]!;
      }
    }
    const bounded = request.sort === 'time';
    const min = bounded && f.fromMs !== undefined ? String(f.fromMs) : '';
    const max = bounded && f.toMs !== undefined ? String(f.toMs) : '';
    // Without filters left to apply here every entry read is returned: read just a page.
    const selective =
      f.src !== undefined ||
      f.dst !== undefined ||
      f.minScore !== undefined ||
      (request.sort === 'score' && (f.fromMs !== undefined || f.toMs !== undefined)) ||
      timeIndexesFor(f, this.base).length > (request.sort === 'time' ? 1 : 0) ||
      (f.severity?.length ?? 0) > 1 ||
      (f.status?.length ?? 0) > 1 ||
      (f.verdict?.length ?? 0) > 1;
    const items: ViewItem[] = [];
    let cursor: CursorPosition | null = request.after;
    let scanned = 0;
    let lastReturned: CursorPosition | null = null;
    for (;;) {
      const want = request.limit - items.length;
      const count = selective
        ? Math.max(1, Math.min(1_000, Math.max(want * 4, 100), this.scanBudget - scanned))
        : want;
      const reply = await this.run(
        () =>
          this.commands.ofViewScan(
            index,
            this.base,
            cursor === null ? '0' : '1',
            cursor === null ? '' : String(cursor.key),
            cursor === null ? '' : cursor.id,
            request.order,
            String(count),
            min,
            max,
          ),
        'query',
      );
      const more = reply[0] === 1;
      // Phase one: positions and the indexed fields; the filters pick the matches.
      const entries: { position: CursorPosition; match: boolean }[] = [];
      for (let i = 1; i + 2 < reply.length; i += 3) {
        const fields = fieldsOf(reply[i + 2]);
        entries.push({
          position: { key: Number(reply[i + 1]), id: String(reply[i]) },
          match: fields !== null && matchesFields(fields, f),
        });
      }
      // Phase two: the matches' detections, up to what the page still needs.
      const wanted: CursorPosition[] = [];
      let consumed = 0;
      for (const e of entries) {
        if (wanted.length >= want) break;
        consumed += 1;
        if (e.match) wanted.push(e.position);
      }
      const fetched = await this.fetchItems(wanted.map((p) => p.id));
      wanted.forEach((p, i) => {
        const item = fetched[i];
        // Re-checked: a write between the two phases may have changed the detection.
        if (item === null || item === undefined || !matchesFilter(item, f)) return;
        items.push(item);
        lastReturned = p;
      });
      scanned += consumed;
      if (consumed > 0) cursor = entries[consumed - 1]!.position;
      const stoppedEarly = consumed < entries.length;
      if (items.length >= request.limit)
        return { items, next: more || stoppedEarly ? lastReturned : null };
      if (!more && !stoppedEarly) return { items, next: null };
      if (scanned >= this.scanBudget) return { items, next: cursor };
    }
  }

  /** Detections with their triage by id, one pipeline; null where one is gone. */
  private async fetchItems(ids: readonly string[]): Promise<(ViewItem | null)[]> {
    if (ids.length === 0) return [];
    const pipe = this.client.pipeline();
    for (const id of ids) {
      pipe.hmget(`${this.base}d:${id}`, 'j', 'ts', 'tb', 'ta');
      pipe.lrange(`${this.base}c:${id}`, 0, -1);
    }
    const replies = (await this.run(() => pipe.exec(), 'query')) ?? [];
    return ids.map((_, i) => {
      const [fe, fields] = replies[2 * i] ?? [null, null];
      const [ce, comments] = replies[2 * i + 1] ?? [null, null];
      if (fe !== null || ce !== null)
        throw new QueryError('QUERY_STORE_FAILED', 'view read failed', { cause: fe ?? ce });
      return itemOf(fields, comments);
    });
  }

  async setTriage(id: string, change: TriageChange): Promise<ViewItem | null> {
    const comment =
      change.comment === null
        ? ''
        : JSON.stringify({
            atMs: change.atMs,
            author: change.actor,
            status: change.status,
            text: change.comment,
          } satisfies TriageComment);
    const from = await this.run(
      () =>
        this.commands.ofViewTriage(
          `${this.base}d:${id}`,
          this.base,
          id,
          change.status,
          change.actor,
          String(change.atMs),
          comment,
          String(this.maxComments),
          String(AUDIT_MAX),
          change.comment ?? '',
        ),
      'triage',
    );
    if (from === null) return null;
    this.changed();
    return this.get(id);
  }

  async triageAudit(limit: number, detectionId?: string): Promise<TriageAuditEntry[]> {
    const entries = await this.run(
      () =>
        this.client.xrevrange(
          `${this.base}audit`,
          '+',
          '-',
          'COUNT',
          detectionId === undefined ? limit : AUDIT_MAX,
        ),
      'audit',
    );
    const out: TriageAuditEntry[] = [];
    for (const [, flat] of entries) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      if (detectionId !== undefined && f.d !== detectionId) continue;
      out.push({
        detectionId: f.d ?? '',
        actor: f.a ?? '',
        from: statusOf(f.f),
        to: statusOf(f.t),
        comment: f.c === undefined || f.c === '' ? null : f.c,
        atMs: Number(f.at),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  async feedAfter(lastEventId: string | null, limit: number): Promise<FeedEvent[]> {
    const start = lastEventId === null ? '-' : `(${lastEventId}`;
    let entries: [string, string[]][];
    try {
      entries = await this.client.xrange(`${this.base}feed`, start, '+', 'COUNT', limit);
    } catch (err) {
      // A malformed Last-Event-ID is the client's; the stream starts over for it.
      if (lastEventId !== null && /Invalid stream ID/i.test((err as Error).message))
        return this.feedAfter(null, limit);
      throw new QueryError('QUERY_STORE_FAILED', 'view feed read failed', { cause: err });
    }
    return entries.flatMap(([id, flat]) => {
      const j = flat[flat.indexOf('j') + 1];
      try {
        return j === undefined ? [] : [{ id, detection: JSON.parse(j) as Detection }];
      } catch {
        return [];
      }
    });
  }

  async feedHead(): Promise<string | null> {
    const last = await this.run(
      () => this.client.xrevrange(`${this.base}feed`, '+', '-', 'COUNT', 1),
      'feed',
    );
    return last[0]?.[0] ?? null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async prune(nowMs: number): Promise<number> {
    const cutoff = String(nowMs - this.retentionMs);
    let total = 0;
    for (;;) {
      const n = await this.run(
        () => this.commands.ofViewPrune(`${this.base}l`, this.base, cutoff, '500'),
        'prune',
      );
      total += n;
      if (n < 500) return total;
    }
  }

  count(): Promise<number> {
    return this.run(() => this.client.zcard(`${this.base}t`), 'count');
  }

  /** Readiness: Redis answers. */
  async ping(): Promise<boolean> {
    return (await this.client.ping()) === 'PONG';
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private async run<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof QueryError) throw err;
      throw new QueryError('QUERY_STORE_FAILED', `view ${what} failed`, { cause: err });
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
