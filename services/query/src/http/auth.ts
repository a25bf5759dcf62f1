import { createHash, randomBytes } from 'node:crypto';

export type Scope = 'read' | 'admin';

/** An API key as configured: its name, the SHA-256 of the secret (hex) and its scopes. */
export interface ApiKeyRecord {
  readonly name: string;
  readonly sha256: string;
  readonly scopes: readonly Scope[];
}

export interface Principal {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new secret for `opaqueflow start` or an operator: 32 random bytes, URL-safe. */
export function generateApiKey(): string {
  return `of_${randomBytes(32).toString('base64url')}`;
}

/**
 * Parses QUERY_API_KEYS: comma-separated `name:scope[+scope]:sha256hex`. Only hashes are
 * configured, never secrets. Throws a message naming the bad entry.
 */
export function parseApiKeys(text: string): ApiKeyRecord[] {
  const out: ApiKeyRecord[] = [];
  for (const [i, raw] of text.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [name, scopes, sha256, ...rest] = entry.split(':');
    if (
      name === undefined ||
      !/^[A-Za-z0-9._-]{1,64}$/.test(name) ||
      scopes === undefined ||
      sha256 === undefined ||
      rest.length > 0
    )
      throw new Error(`entry ${i + 1} is not name:scope[+scope]:sha256`);
    const list = scopes.split('+');
    if (list.some((s) => s !== 'read' && s !== 'admin'))
      throw new Error(`entry ${i + 1} (${name}): scopes are read and admin`);
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`entry ${i + 1} (${name}): the hash must be 64 lowercase hex digits`);
    out.push({ name, sha256, scopes: list as Scope[] });
  }
  return out;
}

/** Looks keys up by the hash of what was presented: the secret itself is never held. */
export class ApiKeys {
  private readonly byHash = new Map<string, Principal>();

  constructor(records: readonly ApiKeyRecord[]) {
    for (const r of records) {
      // admin can do everything read can.
      const scopes = new Set<Scope>(r.scopes);
      if (scopes.has('admin')) scopes.add('read');
      this.byHash.set(r.sha256, { name: r.name, scopes });
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  identify(secret: string): Principal | null {
    return this.byHash.get(hashApiKey(secret)) ?? null;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x : null;
}
