import type { Cluster, Redis } from 'ioredis';
import {
  validateException,
  type ExceptionSource,
  type ScoringException,
} from '@opaqueflow/scoring';
import { toScoringError } from './errors.js';
import { keySpace, type KeySpace } from './keys.js';

export interface RedisExceptionStoreOptions {
  readonly client: Redis | Cluster;
  readonly keyPrefix?: string;
  /**
   * A connection for pub/sub (a subscribed connection can run nothing else). Without it the
   * scorer still sees changes by polling version() every exceptionPollMs (≤ 5 s).
   */
  readonly subscriber?: Redis | Cluster;
}

/**
 * Exceptions in Redis: a hash of JSON records by id and a version counter bumped in the
 * same MULTI, plus a pub/sub notice so replicas reload at once. Records are durable
 * configuration with an audit trail (author, reason, createdAt), so the keys carry no TTL;
 * an exception's own expiresAtMs ends its effect.
 */
/** Audit entries kept (approximately: Redis trims whole stream nodes). */
const AUDIT_MAXLEN = 10_000;

export interface ExceptionAuditEntry {
  readonly streamId: string;
  readonly action: 'put' | 'remove';
  readonly id: string;
  readonly actor: string;
  readonly atMs: number;
  /** The record as put (JSON); null for a removal. */
  readonly record: string | null;
}

export class RedisExceptionStore implements ExceptionSource {
  private readonly client: Redis | Cluster;
  private readonly keys: KeySpace;
  private readonly subscriber: Redis | Cluster | null;
  private readonly listeners = new Set<() => void>();
  private subscribed: Promise<unknown> | null = null;

  constructor(options: RedisExceptionStoreOptions) {
    this.client = options.client;
    this.keys = keySpace(options.keyPrefix);
    this.subscriber = options.subscriber ?? null;
  }

  /** Create or replace an exception; the audit trail records who did it (default: its author). */
  async put(exception: ScoringException, actor?: string): Promise<ScoringException> {
    const valid = validateException(exception);
    const json = JSON.stringify(valid);
    await this.change((m) => m.hset(this.keys.exceptionItems(), valid.id, json), {
      action: 'put',
      id: valid.id,
      actor: actor ?? valid.author,
      record: json,
    });
    return valid;
  }

  async remove(id: string, actor = 'unknown'): Promise<boolean> {
    const removed = await this.change((m) => m.hdel(this.keys.exceptionItems(), id), {
      action: 'remove',
      id,
      actor,
      record: '',
    });
    return removed === 1;
  }

  /** The latest changes, newest first: what was put or removed, by whom, when. */
  async audit(count = 100): Promise<ExceptionAuditEntry[]> {
    let entries: [string, string[]][];
    try {
      entries = await this.client.xrevrange(this.keys.exceptionAudit(), '+', '-', 'COUNT', count);
    } catch (err) {
      throw toScoringError(err, 'exceptions audit');
    }
    return entries.map(([streamId, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      return {
        streamId,
        action: f.action === 'remove' ? 'remove' : 'put',
        id: f.id ?? '',
        actor: f.actor ?? '',
        atMs: Number(f.at),
        record: f.record === undefined || f.record === '' ? null : f.record,
      };
    });
  }

  async list(): Promise<ScoringException[]> {
    const loaded = await this.load();
    return loaded.exceptions.flatMap((e) => {
      try {
        return [validateException(e)];
      } catch {
        return [];
      }
    });
  }

  async version(): Promise<string> {
    try {
      return (await this.client.get(this.keys.exceptionVersion())) ?? '0';
    } catch (err) {
      throw toScoringError(err, 'exceptions version');
    }
  }

  async load(): Promise<{ version: string; exceptions: unknown[] }> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.client
        .multi()
        .get(this.keys.exceptionVersion())
        .hgetall(this.keys.exceptionItems())
        .exec();
    } catch (err) {
      throw toScoringError(err, 'exceptions load');
    }
    const [v, items] = replies ?? [];
    if (v === undefined || items === undefined || v[0] !== null || items[0] !== null)
      throw toScoringError(
        v?.[0] ?? items?.[0] ?? new Error('transaction discarded'),
        'exceptions load',
      );
    const exceptions = Object.values(items[1] as Record<string, string>).map((json): unknown => {
      try {
        return JSON.parse(json) as unknown;
      } catch {
        // Kept so the scorer counts it as an invalid record instead of missing it silently.
        return { unparseable: json };
      }
    });
    return { version: (v[1] as string | null) ?? '0', exceptions };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.subscriber !== null && this.subscribed === null) {
      const channel = this.keys.exceptionChannel();
      this.subscriber.on('message', (ch: string) => {
        if (ch === channel) for (const l of this.listeners) l();
      });
      // Pub/sub only shortens the delay; if subscribing fails, polling still applies changes.
      this.subscribed = this.subscriber.subscribe(channel).catch(() => undefined);
    }
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the pub/sub subscription (if any) is active. */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  private async change(
    op: (m: ReturnType<Redis['multi']>) => unknown,
    audit: { action: string; id: string; actor: string; record: string },
  ): Promise<unknown> {
    try {
      // The change, the version bump and the audit entry commit together or not at all.
      const m = this.client.multi();
      op(m);
      m.incr(this.keys.exceptionVersion());
      m.xadd(
        this.keys.exceptionAudit(),
        'MAXLEN',
        '~',
        String(AUDIT_MAXLEN),
        '*',
        'action',
        audit.action,
        'id',
        audit.id,
        'actor',
        audit.actor,
        'at',
        String(Date.now()),
        'record',
        audit.record,
      );
      const replies = await m.exec();
      const first = replies?.[0];
      const version = replies?.[1]?.[1];
      if (first === undefined || first[0] !== null)
        throw first?.[0] ?? new Error('transaction discarded');
      await this.client.publish(this.keys.exceptionChannel(), String(version));
      return first[1];
    } catch (err) {
      throw toScoringError(err, 'exceptions change');
    }
  }
}
