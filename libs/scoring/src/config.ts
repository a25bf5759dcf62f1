import ipaddr from 'ipaddr.js';
import { configError } from './errors.js';

export interface TierInput {
  /** Width of one time bucket. */
  readonly bucketMs: number;
  /** How far back the tier's window reaches. */
  readonly windowMs: number;
}

export interface ScoreWeights {
  readonly randomness: number;
  readonly noKeyExchange: number;
  readonly nonStandardPort: number;
  readonly rareOnPort: number;
  readonly newPort: number;
  readonly volume: number;
  /** Outbound from a sensitive segment; the other directions are fractions of it. */
  readonly direction: number;
  readonly hostEvidence: number;
  readonly repetition: number;
}

export interface SeverityBands {
  /** Lowest score of each band; below `low` is info. */
  readonly low: number;
  readonly medium: number;
  readonly high: number;
  readonly critical: number;
}

export interface ScorerConfigInput {
  readonly tiers?: readonly TierInput[];
  /** Flows older than the partition's event-time watermark minus this are too late for baselines. */
  readonly allowedLatenessMs?: number;
  readonly learning?: { readonly minFlows?: number; readonly minAgeMs?: number };
  readonly networks?: {
    readonly internal?: readonly string[];
    readonly sensitive?: readonly string[];
    /** Optional baseline scopes (sites, subnets): a flow's scope is the first containing dst, then src. */
    readonly scopes?: readonly { readonly name: string; readonly cidrs: readonly string[] }[];
  };
  readonly aggregation?: { readonly windowMs?: number; readonly maxSampleFlowIds?: number };
  readonly host?: {
    readonly halfLifeMs?: number;
    /** Evidence at which the host score reaches 63 (1 - 1/e). */
    readonly scale?: number;
    /** Weight of a flow that repeats an already open channel (a new channel weighs 1). */
    readonly repeatWeight?: number;
  };
  readonly weights?: Partial<ScoreWeights>;
  readonly severity?: Partial<SeverityBands>;
  /** Opaque share of a port's flows below which opaque traffic counts as rare there. */
  readonly rareOpaqueRatio?: number;
  /** Flow bytes at which the volume reason gives full points. */
  readonly volumeFullBytes?: number;
  /** Detections scoring below this are not emitted (their state is still kept). */
  readonly minScore?: number;
  /** How often the scorer asks the exception source for its version; at most 5000. */
  readonly exceptionPollMs?: number;
  /** Extra wall-clock lifetime of keys beyond their window. */
  readonly ttlSlackMs?: number;
}

export interface Tier {
  readonly bucketMs: number;
  readonly windowMs: number;
  readonly bucketCount: number;
}

export type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface ScorerConfig {
  readonly tiers: readonly Tier[];
  readonly allowedLatenessMs: number;
  readonly learning: { readonly minFlows: number; readonly minAgeMs: number };
  readonly networks: {
    readonly internal: readonly ParsedCidr[];
    readonly sensitive: readonly ParsedCidr[];
    readonly scopes: readonly { readonly name: string; readonly cidrs: readonly ParsedCidr[] }[];
  };
  readonly aggregation: { readonly windowMs: number; readonly maxSampleFlowIds: number };
  readonly host: {
    readonly halfLifeMs: number;
    readonly scale: number;
    readonly repeatWeight: number;
  };
  readonly weights: ScoreWeights;
  readonly severity: SeverityBands;
  readonly rareOpaqueRatio: number;
  readonly volumeFullBytes: number;
  readonly minScore: number;
  readonly exceptionPollMs: number;
  readonly ttlSlackMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** RFC 1918, CGNAT, loopback, link-local and IPv6 unique-local ranges. */
export const DEFAULT_INTERNAL_NETWORKS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

/**
 * Default weights: one flow's own evidence tops out near 65 (medium/high), so a single odd
 * flow never reaches critical on its own; host evidence and repetition supply the rest.
 */
export const DEFAULT_WEIGHTS: ScoreWeights = {
  randomness: 15,
  noKeyExchange: 10,
  nonStandardPort: 10,
  rareOnPort: 10,
  newPort: 5,
  volume: 5,
  direction: 10,
  hostEvidence: 25,
  repetition: 10,
};

function num(
  value: unknown,
  field: string,
  fallback: number,
  min: number,
  max: number,
  integer = false,
): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw configError(field, 'must be a finite number');
  if (integer && !Number.isInteger(v)) throw configError(field, 'must be an integer');
  if (v < min || v > max) throw configError(field, `must be between ${min} and ${max} (got ${v})`);
  return v;
}

function cidrs(value: unknown, field: string, fallback: readonly string[]): ParsedCidr[] {
  const list = value === undefined ? fallback : value;
  if (!Array.isArray(list)) throw configError(field, 'must be an array of CIDR strings');
  return list.map((c: unknown, i) => {
    if (typeof c !== 'string') throw configError(`${field}[${i}]`, 'must be a CIDR string');
    try {
      return ipaddr.parseCIDR(c.trim());
    } catch {
      throw configError(`${field}[${i}]`, `is not a valid CIDR: ${JSON.stringify(c)}`);
    }
  });
}

function compileTiers(value: unknown): Tier[] {
  const list = value ?? [
    { bucketMs: MINUTE, windowMs: HOUR },
    { bucketMs: HOUR, windowMs: 7 * DAY },
  ];
  if (!Array.isArray(list) || list.length === 0 || list.length > 4)
    throw configError('tiers', 'must be an array of 1 to 4 {bucketMs, windowMs}');
  const tiers = list.map((t: unknown, i) => {
    const field = `tiers[${i}]`;
    if (typeof t !== 'object' || t === null) throw configError(field, 'must be an object');
    const { bucketMs, windowMs } = t as Record<string, unknown>;
    const b = num(bucketMs, `${field}.bucketMs`, NaN, 1000, 30 * DAY, true);
    const w = num(windowMs, `${field}.windowMs`, NaN, b, 365 * DAY, true);
    if (w % b !== 0) throw configError(`${field}.windowMs`, 'must be a multiple of bucketMs');
    if (w / b > 1000) throw configError(`${field}.windowMs`, 'must span at most 1000 buckets');
    return { bucketMs: b, windowMs: w, bucketCount: w / b };
  });
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.windowMs <= tiers[i - 1]!.windowMs)
      throw configError(`tiers[${i}].windowMs`, 'must be longer than the previous tier');
  }
  return tiers;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validate a scorer configuration once and compile it into a frozen object. Every problem
 * raises SCORING_CONFIG_INVALID naming the field, so a bad deployment stops at start-up.
 */
export function compileScorerConfig(input: ScorerConfigInput = {}): ScorerConfig {
  if (typeof input !== 'object' || input === null) throw configError('(root)', 'must be an object');
  const tiers = compileTiers(input.tiers);
  const networks = input.networks ?? {};
  const scopesIn: unknown = networks.scopes ?? [];
  if (!Array.isArray(scopesIn)) throw configError('networks.scopes', 'must be an array');
  const names = new Set<string>();
  const scopes = scopesIn.map((s: unknown, i) => {
    const field = `networks.scopes[${i}]`;
    const name = (s as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw configError(`${field}.name`, 'must be 1-64 characters of [A-Za-z0-9_.-]');
    if (names.has(name)) throw configError(`${field}.name`, `duplicates scope ${name}`);
    names.add(name);
    return { name, cidrs: cidrs((s as { cidrs?: unknown }).cidrs, `${field}.cidrs`, []) };
  });
  const weightsIn: Record<string, unknown> = { ...(input.weights ?? {}) };
  const weights = {} as Record<keyof ScoreWeights, number>;
  for (const key of Object.keys(DEFAULT_WEIGHTS) as (keyof ScoreWeights)[]) {
    weights[key] = num(weightsIn[key], `weights.${key}`, DEFAULT_WEIGHTS[key], 0, 100);
    delete weightsIn[key];
  }
  const unknownWeight = Object.keys(weightsIn)[0];
  if (unknownWeight !== undefined)
    throw configError(`weights.${unknownWeight}`, 'is not a known weight');
  const sev = input.severity ?? {};
  const severity: SeverityBands = {
    low: num(sev.low, 'severity.low', 25, 0, 100),
    medium: num(sev.medium, 'severity.medium', 45, 0, 100),
    high: num(sev.high, 'severity.high', 65, 0, 100),
    critical: num(sev.critical, 'severity.critical', 80, 0, 100),
  };
  if (!(
    severity.low < severity.medium &&
    severity.medium < severity.high &&
    severity.high < severity.critical
  ))
    throw configError('severity', 'bands must rise strictly: low < medium < high < critical');
  const longest = tiers[tiers.length - 1]!.windowMs;
  const config: ScorerConfig = {
    tiers,
    allowedLatenessMs: num(input.allowedLatenessMs, 'allowedLatenessMs', 5 * MINUTE, 0, longest),
    learning: {
      minFlows: num(input.learning?.minFlows, 'learning.minFlows', 50, 0, 1e9, true),
      minAgeMs: num(input.learning?.minAgeMs, 'learning.minAgeMs', HOUR, 0, longest),
    },
    networks: {
      internal: cidrs(networks.internal, 'networks.internal', DEFAULT_INTERNAL_NETWORKS),
      sensitive: cidrs(networks.sensitive, 'networks.sensitive', []),
      scopes,
    },
    aggregation: {
      windowMs: num(input.aggregation?.windowMs, 'aggregation.windowMs', HOUR, 1000, 7 * DAY, true),
      maxSampleFlowIds: num(
        input.aggregation?.maxSampleFlowIds,
        'aggregation.maxSampleFlowIds',
        10,
        0,
        100,
        true,
      ),
    },
    host: {
      halfLifeMs: num(input.host?.halfLifeMs, 'host.halfLifeMs', 6 * HOUR, 1000, 30 * DAY),
      scale: num(input.host?.scale, 'host.scale', 3, 0.01, 1000),
      repeatWeight: num(input.host?.repeatWeight, 'host.repeatWeight', 0.05, 0, 1),
    },
    weights,
    severity,
    rareOpaqueRatio: num(input.rareOpaqueRatio, 'rareOpaqueRatio', 0.05, 0.0001, 1),
    volumeFullBytes: num(input.volumeFullBytes, 'volumeFullBytes', 10 * 1024 * 1024, 1, 1e15),
    minScore: num(input.minScore, 'minScore', 0, 0, 100),
    exceptionPollMs: num(input.exceptionPollMs, 'exceptionPollMs', 1000, 10, 5000, true),
    ttlSlackMs: num(input.ttlSlackMs, 'ttlSlackMs', HOUR, 0, 30 * DAY, true),
  };
  return deepFreeze(config);
}
