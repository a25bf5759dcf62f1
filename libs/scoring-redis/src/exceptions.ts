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

  async put(exception: ScoringException): Promise<ScoringException> {
    const valid = validateException(exception);
    await this.change((m) => m.hset(this.keys.exceptionItems(), valid.id, JSON.stringify(valid)));
    return valid;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.change((m) => m.hdel(this.keys.exceptionItems(), id));
    return removed === 1;
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

  private async change(op: (m: ReturnType<Redis['multi']>) => unknown): Promise<unknown> {
    try {
      const m = this.client.multi();
      op(m);
      m.incr(this.keys.exceptionVersion());
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
