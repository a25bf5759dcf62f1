import type { Redis } from 'ioredis';
import type { StoredTemplate, TemplateField, TemplateStore } from '@opaqueflow/decoders';

export interface RedisTemplateStoreOptions {
  /** Key prefix; one deployment's replicas share it. */
  readonly prefix?: string;
  /** A domain's templates expire this long after their last write (refreshes rewrite). */
  readonly ttlSeconds?: number;
}

type Protocol = StoredTemplate['protocol'];

function isField(v: unknown): v is TemplateField {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return (
    Number.isInteger(f['id']) && Number.isInteger(f['length']) && Number.isInteger(f['enterprise'])
  );
}

/** A stored value another replica (or version) wrote; anything malformed is ignored. */
function parseTemplate(text: string): StoredTemplate | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  if (
    (t['protocol'] !== 'ipfix' && t['protocol'] !== 'netflow9') ||
    typeof t['exporter'] !== 'string' ||
    !Number.isInteger(t['observationDomain']) ||
    !Number.isInteger(t['templateId']) ||
    !Number.isInteger(t['scopeFieldCount']) ||
    typeof t['options'] !== 'boolean' ||
    typeof t['learnedMs'] !== 'number' ||
    !Array.isArray(t['fields']) ||
    !t['fields'].every(isField)
  ) {
    return undefined;
  }
  return t as unknown as StoredTemplate;
}

/**
 * Templates in Redis, so every ingest replica decodes an exporter's data sets as soon as
 * any replica has seen its templates. One hash per (protocol, exporter, domain), field =
 * template id; the braces are a Cluster hash tag keeping a domain in one slot. An index
 * set lists the domains for the operator's view.
 */
export class RedisTemplateStore implements TemplateStore {
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    options: RedisTemplateStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'opaqueflow:templates';
    this.ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds <= 0) {
      throw new RangeError('RedisTemplateStore ttlSeconds must be a positive integer');
    }
  }

  private domainKey(protocol: Protocol, exporter: string, domain: number): string {
    return `${this.prefix}:{${protocol}|${exporter}|${domain}}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:index`;
  }

  async get(
    protocol: Protocol,
    exporter: string,
    observationDomain: number,
    templateId: number,
  ): Promise<StoredTemplate | undefined> {
    const text = await this.redis.hget(
      this.domainKey(protocol, exporter, observationDomain),
      String(templateId),
    );
    return text === null ? undefined : parseTemplate(text);
  }

  async put(template: StoredTemplate): Promise<void> {
    const key = this.domainKey(template.protocol, template.exporter, template.observationDomain);
    await this.redis
      .multi()
      .hset(key, String(template.templateId), JSON.stringify(template))
      .expire(key, this.ttlSeconds)
      .exec();
    await this.redis.sadd(this.indexKey, key);
  }

  async list(
    protocol: Protocol,
    exporter: string,
    observationDomain: number,
  ): Promise<StoredTemplate[]> {
    const all = await this.redis.hgetall(this.domainKey(protocol, exporter, observationDomain));
    return Object.values(all)
      .map(parseTemplate)
      .filter((t): t is StoredTemplate => t !== undefined);
  }

  async remove(
    protocol: Protocol,
    exporter: string,
    observationDomain: number,
    templateId: number | null,
  ): Promise<void> {
    const key = this.domainKey(protocol, exporter, observationDomain);
    if (templateId === null) {
      await this.redis.del(key);
      await this.redis.srem(this.indexKey, key);
    } else await this.redis.hdel(key, String(templateId));
  }

  async listAll(): Promise<StoredTemplate[]> {
    const keys = await this.redis.smembers(this.indexKey);
    const out: StoredTemplate[] = [];
    const gone: string[] = [];
    for (const key of keys) {
      const all = await this.redis.hgetall(key);
      const values = Object.values(all);
      if (values.length === 0) gone.push(key);
      for (const v of values) {
        const t = parseTemplate(v);
        if (t !== undefined) out.push(t);
      }
    }
    // Domains whose hash expired leave the index lazily.
    if (gone.length > 0) await this.redis.srem(this.indexKey, ...gone);
    return out;
  }
}
