import type { Severity, Transport, Verdict } from '@opaqueflow/flow-model';
import { SEVERITIES, VERDICTS } from '@opaqueflow/flow-model';
import { parseCidrOrAddress } from '../view/filter.js';
import type { DetectionFilter, SortKey, SortOrder, TriageStatus } from '../view/types.js';
import { TRIAGE_STATUSES } from '../view/types.js';
import { badRequest } from './errors.js';

/** RFC 3339 date-time with a zone (Z or ±hh:mm), fractional seconds allowed. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export const RFC3339_PATTERN = RFC3339.source;

export function parseRfc3339(field: string, text: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (!Number.isFinite(ms))
    throw badRequest(
      field,
      `${field} must be an RFC 3339 date-time with a zone, e.g. 2026-12-01T09:00:00Z`,
    );
  return ms;
}

function list<T extends string>(
  field: string,
  text: string | undefined,
  allowed: ReadonlySet<T> | readonly T[],
): T[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((s) => s.trim());
  const set: ReadonlySet<T> = allowed instanceof Set ? allowed : new Set(allowed);
  for (const v of values)
    if (!set.has(v as T))
      throw badRequest(field, `${field} "${v}" is not one of ${[...set].join(', ')}`);
  return values as T[];
}

export interface DetectionsQuery {
  readonly from?: string;
  readonly to?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly transport?: Transport;
  readonly minScore?: number;
  readonly severity?: string;
  readonly status?: string;
  readonly verdict?: string;
  readonly sort?: SortKey;
  readonly order?: SortOrder;
  readonly limit?: number;
  readonly cursor?: string;
  readonly format?: string;
}

export function filterOf(q: DetectionsQuery): DetectionFilter {
  const fromMs = q.from === undefined ? undefined : parseRfc3339('from', q.from);
  const toMs = q.to === undefined ? undefined : parseRfc3339('to', q.to);
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
    throw badRequest('to', 'to must be later than from');
  const cidr = (field: 'src' | 'dst') => {
    const text = q[field];
    if (text === undefined) return undefined;
    const c = parseCidrOrAddress(text);
    if (c === null) throw badRequest(field, `${field} must be an IPv4 or IPv6 address or CIDR`);
    return c;
  };
  const src = cidr('src');
  const dst = cidr('dst');
  const severity = list<Severity>('severity', q.severity, SEVERITIES);
  const status = list<TriageStatus>('status', q.status, TRIAGE_STATUSES);
  const verdict = list<Verdict>('verdict', q.verdict, VERDICTS);
  return {
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    ...(src === undefined ? {} : { src }),
    ...(dst === undefined ? {} : { dst }),
    ...(q.dstPort === undefined ? {} : { dstPort: q.dstPort }),
    ...(q.transport === undefined ? {} : { transport: q.transport }),
    ...(q.minScore === undefined ? {} : { minScore: q.minScore }),
    ...(severity === undefined ? {} : { severity }),
    ...(status === undefined ? {} : { status }),
    ...(verdict === undefined ? {} : { verdict }),
  };
}

const listPattern = (values: Iterable<string>) =>
  `^(${[...values].join('|')})(,(${[...values].join('|')}))*$`;

/** Query-string schema of the detections search (and of the live feed, which ignores paging). */
export const DETECTIONS_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: {
      type: 'string',
      pattern: RFC3339_PATTERN,
      description: 'first seen at or after (RFC 3339)',
    },
    to: { type: 'string', pattern: RFC3339_PATTERN, description: 'first seen before (RFC 3339)' },
    src: { type: 'string', maxLength: 64, description: 'source address or CIDR (IPv4 or IPv6)' },
    dst: {
      type: 'string',
      maxLength: 64,
      description: 'destination address or CIDR (IPv4 or IPv6)',
    },
    dstPort: { type: 'integer', minimum: 0, maximum: 65535 },
    transport: { type: 'string', enum: ['tcp', 'udp', 'other'] },
    minScore: { type: 'number', minimum: 0, maximum: 100 },
    severity: { type: 'string', pattern: listPattern(SEVERITIES), description: 'comma-separated' },
    status: {
      type: 'string',
      pattern: listPattern(TRIAGE_STATUSES),
      description: 'triage status, comma-separated',
    },
    verdict: { type: 'string', pattern: listPattern(VERDICTS), description: 'comma-separated' },
    sort: { type: 'string', enum: ['time', 'score'], default: 'time' },
    order: { type: 'string', enum: ['desc', 'asc'], default: 'desc' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' },
    format: {
      type: 'string',
      enum: ['json', 'ndjson', 'ocsf', 'ecs'],
      description: 'rendering; also chosen by Accept',
    },
  },
} as const;
