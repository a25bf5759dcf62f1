import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { KafkaError } from './errors.js';

export type Compatibility =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export interface RegistryOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://host:8080/apis/ccompat/v7. */
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Per request; the registry is on the start-up path only. Default 10 s. */
  readonly timeoutMs?: number;
}

/** TopicNameStrategy: the value schema of a topic lives under `<topic>-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/**
 * The registry client: subject management over the Confluent REST API (what
 * @kafkajs/confluent-schema-registry's register() hides or decides for us: it infers the
 * subject from the record name and refuses a subject whose level differs), and schema lookup
 * by id through that library's cache.
 */
export class Registry {
  readonly client: SchemaRegistry;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: RegistryOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const auth =
      options.username !== undefined && options.password !== undefined
        ? { username: options.username, password: options.password }
        : undefined;
    this.headers = {
      'content-type': 'application/vnd.schemaregistry.v1+json',
      accept: 'application/vnd.schemaregistry.v1+json, application/json',
      ...(auth
        ? {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          }
        : {}),
    };
    this.client = new SchemaRegistry({
      host: this.base,
      ...(auth ? { auth } : {}),
      retry: { retries: 2 },
    });
  }

  /**
   * Registers `schema` under `subject` and pins the subject's compatibility level (BACKWARD by
   * default), returning the schema id to put in the wire format. Registering the same text again
   * returns the same id. An incompatible change fails with SCHEMA_INCOMPATIBLE.
   */
  async register(
    subject: string,
    schema: string,
    compatibility: Compatibility = 'BACKWARD',
  ): Promise<number> {
    // Set the level first so the check applies to this very registration; a registry that
    // does not know the subject yet (Apicurio's ccompat) takes it right after instead.
    const pinned = await this.setCompatibility(subject, compatibility, { allowMissing: true });
    const res = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema,
    });
    if (res.status === 409)
      throw new KafkaError(
        'SCHEMA_INCOMPATIBLE',
        `registry refused the schema for ${subject} as ${compatibility}-incompatible: ${res.text}`,
      );
    if (res.status !== 200)
      throw this.failure(`registering a schema under ${subject}`, res.status, res.text);
    const id = (res.json as { id?: unknown } | null)?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      throw this.failure(`registering a schema under ${subject}`, res.status, res.text);
    if (!pinned) await this.setCompatibility(subject, compatibility, { allowMissing: false });
    return id;
  }

  /** The subject's own compatibility level, or null when it has none (the global one applies). */
  async getCompatibility(subject: string): Promise<string | null> {
    const res = await this.request('GET', `/config/${encodeURIComponent(subject)}`);
    if (res.status === 404) return null;
    if (res.status !== 200)
      throw this.failure(`reading config of ${subject}`, res.status, res.text);
    const body = res.json as { compatibilityLevel?: string; compatibility?: string } | null;
    return body?.compatibilityLevel ?? body?.compatibility ?? null;
  }

  /** Asks (without registering) whether `schema` could be registered next under `subject`. */
  async isCompatible(subject: string, schema: string): Promise<boolean> {
    const res = await this.request(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`,
      { schema },
    );
    if (res.status === 404) return true;
    if (res.status !== 200)
      throw this.failure(`checking compatibility for ${subject}`, res.status, res.text);
    return (res.json as { is_compatible?: boolean } | null)?.is_compatible === true;
  }

  async deleteSubject(subject: string): Promise<void> {
    const res = await this.request('DELETE', `/subjects/${encodeURIComponent(subject)}`);
    if (res.status !== 200 && res.status !== 404)
      throw this.failure(`deleting ${subject}`, res.status, res.text);
  }

  private async setCompatibility(
    subject: string,
    compatibility: Compatibility,
    opts: { allowMissing: boolean },
  ): Promise<boolean> {
    const res = await this.request('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility,
    });
    if (res.status === 200) return true;
    if (res.status === 404 && opts.allowMissing) return false;
    throw this.failure(`setting ${subject} to ${compatibility}`, res.status, res.text);
  }

  private failure(what: string, status: number, text: string): KafkaError {
    return new KafkaError(
      'REGISTRY_FAILED',
      `schema registry at ${this.base}: ${what} failed with HTTP ${status}: ${text.slice(0, 300)}`,
    );
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string; json: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new KafkaError(
        'REGISTRY_FAILED',
        `schema registry at ${this.base} is unreachable (${method} ${path})`,
        { cause },
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, text, json };
  }
}
