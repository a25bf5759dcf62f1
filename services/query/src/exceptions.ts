import type { ScoringException } from '@opaqueflow/scoring';
import { MemoryExceptionStore } from '@opaqueflow/scoring';
import type { RedisExceptionStore } from '@opaqueflow/scoring-redis';

export interface ExceptionAuditRecord {
  readonly action: 'put' | 'remove';
  readonly id: string;
  readonly actor: string;
  readonly atMs: number;
  /** The record as put; null for a removal. */
  readonly exception: ScoringException | null;
}

/**
 * Exceptions as the REST API manages them, over the very stores the scorer replicas read
 * (libs/scoring's memory store in the embedded runner, libs/scoring-redis's in a cluster), so
 * a change here is picked up by every scorer through the store's version and notices.
 */
export interface ExceptionAdmin {
  put(exception: ScoringException, actor: string): Promise<ScoringException>;
  remove(id: string, actor: string): Promise<boolean>;
  list(): Promise<ScoringException[]>;
  /** Newest first. */
  audit(limit: number): Promise<ExceptionAuditRecord[]>;
}

export class MemoryExceptionAdmin implements ExceptionAdmin {
  private readonly log: ExceptionAuditRecord[] = [];

  constructor(
    readonly store: MemoryExceptionStore = new MemoryExceptionStore(),
    private readonly clock: () => number = Date.now,
  ) {}

  put(exception: ScoringException, actor: string): Promise<ScoringException> {
    const valid = this.store.put(exception);
    this.record({ action: 'put', id: valid.id, actor, atMs: this.clock(), exception: valid });
    return Promise.resolve(valid);
  }

  remove(id: string, actor: string): Promise<boolean> {
    const removed = this.store.remove(id);
    if (removed) this.record({ action: 'remove', id, actor, atMs: this.clock(), exception: null });
    return Promise.resolve(removed);
  }

  list(): Promise<ScoringException[]> {
    return Promise.resolve(this.store.list());
  }

  audit(limit: number): Promise<ExceptionAuditRecord[]> {
    return Promise.resolve(this.log.slice(-limit).reverse());
  }

  private record(entry: ExceptionAuditRecord): void {
    this.log.push(entry);
    if (this.log.length > 10_000) this.log.splice(0, this.log.length - 10_000);
  }
}

export class RedisExceptionAdmin implements ExceptionAdmin {
  constructor(readonly store: RedisExceptionStore) {}

  put(exception: ScoringException, actor: string): Promise<ScoringException> {
    return this.store.put(exception, actor);
  }

  async remove(id: string, actor: string): Promise<boolean> {
    return this.store.remove(id, actor);
  }

  list(): Promise<ScoringException[]> {
    return this.store.list();
  }

  async audit(limit: number): Promise<ExceptionAuditRecord[]> {
    const entries = await this.store.audit(limit);
    return entries.map((e) => {
      let exception: ScoringException | null = null;
      try {
        exception = e.record === null ? null : (JSON.parse(e.record) as ScoringException);
      } catch {
        exception = null;
      }
      return { action: e.action, id: e.id, actor: e.actor, atMs: e.atMs, exception };
    });
  }
}
