import { createHash } from 'node:crypto';
import type { CursorPosition, SortKey, SortOrder } from '../view/types.js';
import { badRequest } from './errors.js';

interface CursorBody {
  readonly v: 1;
  readonly s: SortKey;
  readonly o: SortOrder;
  readonly k: number;
  readonly i: string;
  /** Digest of the query the cursor belongs to. */
  readonly q: string;
}

/** Digest of the parameters that define an ordering and its members (not limit or format). */
export function queryDigest(params: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(params)
    .filter((k) => !['cursor', 'limit', 'format'].includes(k) && params[k] !== undefined)
    .sort();
  const canonical = keys.map((k) => `${k}=${String(params[k])}`).join('&');
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

/** Opaque to clients: base64url JSON of the position, the ordering and the query digest. */
export function encodeCursor(
  p: CursorPosition,
  sort: SortKey,
  order: SortOrder,
  digest: string,
): string {
  const body: CursorBody = { v: 1, s: sort, o: order, k: p.key, i: p.id, q: digest };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(
  text: string,
  sort: SortKey,
  order: SortOrder,
  digest: string,
): CursorPosition {
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    throw badRequest('cursor', 'cursor is not one this API issued');
  }
  if (
    body === null ||
    typeof body !== 'object' ||
    body.v !== 1 ||
    typeof body.k !== 'number' ||
    !Number.isFinite(body.k) ||
    typeof body.i !== 'string' ||
    body.i.length > 200
  )
    throw badRequest('cursor', 'cursor is not one this API issued');
  if (body.s !== sort || body.o !== order || body.q !== digest)
    throw badRequest(
      'cursor',
      'cursor was issued for another query: repeat the same filters and sort',
    );
  return { key: body.k, id: body.i };
}
