import type { FlowFeatures } from '@opaqueflow/flow-model';
import ipaddr from 'ipaddr.js';
import type { ParsedCidr } from './config.js';
import { ScoringError } from './errors.js';
import { inAny, parseAddress } from './network.js';

/** An approved encrypted service: flows it matches still make detections, marked suppressed. */
export interface ScoringException {
  readonly id: string;
  /** Source CIDRs; empty or absent: any source. */
  readonly srcCidrs?: readonly string[];
  readonly dstCidrs?: readonly string[];
  /** Destination ports; empty or absent: any port. */
  readonly ports?: readonly number[];
  readonly transport?: 'tcp' | 'udp' | 'other' | null;
  /** Recognised protocol or verdict (e.g. "wireguard", "opaque"); empty or absent: any. */
  readonly protocols?: readonly string[];
  readonly reason: string;
  readonly author: string;
  readonly createdAtMs: number;
  /** Wall-clock expiry; null: until removed. */
  readonly expiresAtMs: number | null;
}

/**
 * Where exceptions come from. version() is cheap and changes whenever the set changes, so
 * each scorer replica can poll it every second or so and reload only on change; onChange,
 * when the source can push (Redis pub/sub), cuts the delay further.
 */
export interface ExceptionSource {
  version(): Promise<string>;
  load(): Promise<{ readonly version: string; readonly exceptions: readonly unknown[] }>;
  onChange?(listener: () => void): () => void;
}

interface CompiledException {
  readonly record: ScoringException;
  readonly src: readonly ParsedCidr[];
  readonly dst: readonly ParsedCidr[];
  readonly ports: ReadonlySet<number>;
  readonly protocols: ReadonlySet<string>;
}

function cidrList(value: unknown, field: string): ParsedCidr[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be an array');
  return value.map((c: unknown, i) => {
    try {
      if (typeof c !== 'string') throw new Error('not a string');
      return ipaddr.parseCIDR(c);
    } catch {
      throw invalid(`${field}[${i}]`, 'is not a CIDR');
    }
  });
}

function invalid(field: string, problem: string): ScoringError {
  return new ScoringError('SCORING_EXCEPTION_INVALID', `exception ${field} ${problem}`, { field });
}

/** Validate one exception record (from REST, Redis or a file). */
export function validateException(value: unknown): ScoringException {
  if (typeof value !== 'object' || value === null) throw invalid('(root)', 'must be an object');
  const v = value as Record<string, unknown>;
  const str = (field: string): string => {
    const s = v[field];
    if (typeof s !== 'string' || s.length === 0 || s.length > 1000)
      throw invalid(field, 'must be a non-empty string of at most 1000 characters');
    return s;
  };
  const id = str('id');
  cidrList(v.srcCidrs, 'srcCidrs');
  cidrList(v.dstCidrs, 'dstCidrs');
  if (v.ports !== undefined && v.ports !== null) {
    if (
      !Array.isArray(v.ports) ||
      v.ports.some((p) => !Number.isInteger(p) || (p as number) < 0 || (p as number) > 65535)
    )
      throw invalid('ports', 'must be an array of port numbers 0-65535');
  }
  if (
    v.transport !== undefined &&
    v.transport !== null &&
    !['tcp', 'udp', 'other'].includes(v.transport as string)
  )
    throw invalid('transport', 'must be tcp, udp or other');
  if (v.protocols !== undefined && v.protocols !== null) {
    if (!Array.isArray(v.protocols) || v.protocols.some((p) => typeof p !== 'string'))
      throw invalid('protocols', 'must be an array of strings');
  }
  const createdAtMs = v.createdAtMs;
  if (typeof createdAtMs !== 'number' || !Number.isFinite(createdAtMs))
    throw invalid('createdAtMs', 'must be a number');
  const expiresAtMs = v.expiresAtMs ?? null;
  if (expiresAtMs !== null && (typeof expiresAtMs !== 'number' || !Number.isFinite(expiresAtMs)))
    throw invalid('expiresAtMs', 'must be a number or null');
  return {
    id,
    srcCidrs: (v.srcCidrs as string[] | undefined) ?? [],
    dstCidrs: (v.dstCidrs as string[] | undefined) ?? [],
    ports: (v.ports as number[] | undefined) ?? [],
    transport: (v.transport as ScoringException['transport']) ?? null,
    protocols: (v.protocols as string[] | undefined) ?? [],
    reason: str('reason'),
    author: str('author'),
    createdAtMs,
    expiresAtMs,
  };
}

function compile(record: ScoringException): CompiledException {
  return {
    record,
    src: cidrList(record.srcCidrs, 'srcCidrs'),
    dst: cidrList(record.dstCidrs, 'dstCidrs'),
    ports: new Set(record.ports ?? []),
    protocols: new Set(record.protocols ?? []),
  };
}

function matches(e: CompiledException, f: FlowFeatures, nowMs: number): boolean {
  const r = e.record;
  if (r.expiresAtMs !== null && r.expiresAtMs <= nowMs) return false;
  if (r.transport !== null && r.transport !== undefined && r.transport !== f.flow.transport)
    return false;
  if (e.ports.size > 0 && !e.ports.has(f.flow.dstPort)) return false;
  if (e.protocols.size > 0 && !e.protocols.has(f.handshake.protocol) && !e.protocols.has(f.verdict))
    return false;
  if (e.src.length > 0) {
    const a = parseAddress(f.flow.srcAddr);
    if (a === null || !inAny(a, e.src)) return false;
  }
  if (e.dst.length > 0) {
    const a = parseAddress(f.flow.dstAddr);
    if (a === null || !inAny(a, e.dst)) return false;
  }
  return true;
}

/**
 * The scorer's view of the exceptions: reloaded when the source's version changes, checked
 * at most every pollMs (and at once when the source pushes a change). If the source cannot
 * be read, the last good set stays in force and the failure is counted.
 */
export class ExceptionCache {
  private compiled: CompiledException[] = [];
  private currentVersion: string | null = null;
  private checkedAtMs = -Infinity;
  private dirty = true;
  private readonly unsubscribe: (() => void) | null;
  invalidRecords = 0;
  loadFailures = 0;

  constructor(
    private readonly source: ExceptionSource | null,
    private readonly pollMs: number,
    private readonly clock: () => number,
  ) {
    this.unsubscribe =
      source?.onChange?.(() => {
        this.dirty = true;
      }) ?? null;
  }

  get version(): string | null {
    return this.currentVersion;
  }

  async refresh(): Promise<void> {
    if (this.source === null) return;
    const now = this.clock();
    if (!this.dirty && now - this.checkedAtMs < this.pollMs) return;
    try {
      const version = await this.source.version();
      this.checkedAtMs = now;
      this.dirty = false;
      if (version === this.currentVersion) return;
      const loaded = await this.source.load();
      const next: CompiledException[] = [];
      let bad = 0;
      for (const raw of loaded.exceptions) {
        try {
          next.push(compile(validateException(raw)));
        } catch {
          bad += 1;
        }
      }
      this.compiled = next;
      this.invalidRecords = bad;
      this.currentVersion = loaded.version;
    } catch {
      this.loadFailures += 1;
    }
  }

  match(f: FlowFeatures): ScoringException | null {
    const now = this.clock();
    for (const e of this.compiled) if (matches(e, f, now)) return e.record;
    return null;
  }

  close(): void {
    this.unsubscribe?.();
  }
}

/** Exceptions held in process: the embedded runner's source, and the tests'. */
export class MemoryExceptionStore implements ExceptionSource {
  private readonly items = new Map<string, ScoringException>();
  private counter = 0;
  private readonly listeners = new Set<() => void>();

  put(exception: ScoringException): ScoringException {
    const valid = validateException(exception);
    this.items.set(valid.id, valid);
    this.changed();
    return valid;
  }

  remove(id: string): boolean {
    const had = this.items.delete(id);
    if (had) this.changed();
    return had;
  }

  list(): ScoringException[] {
    return [...this.items.values()];
  }

  version(): Promise<string> {
    return Promise.resolve(String(this.counter));
  }

  load(): Promise<{ version: string; exceptions: ScoringException[] }> {
    return Promise.resolve({ version: String(this.counter), exceptions: this.list() });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.counter += 1;
    for (const l of this.listeners) l();
  }
}
