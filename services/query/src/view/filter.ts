import type { Detection } from '@opaqueflow/flow-model';
import ipaddr from 'ipaddr.js';
import type {
  Cidr,
  CursorPosition,
  DetectionFilter,
  SortKey,
  SortOrder,
  ViewItem,
} from './types.js';

/** Parses an address or CIDR; a bare address is its own /32 or /128. null when neither. */
export function parseCidrOrAddress(text: string): Cidr | null {
  try {
    if (!text.includes('/')) {
      if (!ipaddr.isValid(text)) return null;
      const addr = ipaddr.process(text);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128];
    }
    const [addr, bits] = ipaddr.parseCIDR(text);
    // ::ffff:a.b.c.d/n is an IPv4 range: detections hold IPv4-mapped addresses as IPv4.
    if (addr.kind() === 'ipv6' && bits >= 96) {
      const v6 = addr as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress()) return [v6.toIPv4Address(), bits - 96];
    }
    return [addr, bits];
  } catch {
    return null;
  }
}

const addressCache = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();

function addressOf(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let a = addressCache.get(text);
  if (a === undefined) {
    a = ipaddr.isValid(text) ? ipaddr.process(text) : null;
    // Bounded: a query over a large view must not grow this without limit.
    if (addressCache.size > 50_000) addressCache.clear();
    addressCache.set(text, a);
  }
  return a;
}

function inCidr(text: string, cidr: Cidr): boolean {
  const a = addressOf(text);
  return a !== null && a.kind() === cidr[0].kind() && a.match(cidr);
}

export function matchesFilter(item: ViewItem, f: DetectionFilter): boolean {
  const d = item.detection;
  if (f.fromMs !== undefined && d.firstSeenMs < f.fromMs) return false;
  if (f.toMs !== undefined && d.firstSeenMs >= f.toMs) return false;
  if (f.dstPort !== undefined && d.dstPort !== f.dstPort) return false;
  if (f.transport !== undefined && d.transport !== f.transport) return false;
  if (f.minScore !== undefined && d.score < f.minScore) return false;
  if (f.severity !== undefined && !f.severity.includes(d.severity)) return false;
  if (f.verdict !== undefined && !f.verdict.includes(d.verdict)) return false;
  if (f.status !== undefined && !f.status.includes(item.triage.status)) return false;
  if (f.src !== undefined && !inCidr(d.srcAddr, f.src)) return false;
  if (f.dst !== undefined && !inCidr(d.dstAddr, f.dst)) return false;
  return true;
}

export function sortKeyOf(d: Detection, sort: SortKey): number {
  return sort === 'time' ? d.firstSeenMs : d.score;
}

/** Ascending (key, id) order; ids compare by UTF-16 code units, as Redis compares ASCII bytes. */
export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether p comes after the cursor in the given order. */
export function isAfter(p: CursorPosition, cursor: CursorPosition, order: SortOrder): boolean {
  const c = comparePositions(p, cursor);
  return order === 'asc' ? c > 0 : c < 0;
}

/**
 * Which of two versions of one detection the view keeps: the later update, and for the same
 * update time the one with more flows (totals only grow). Equal versions are a replay.
 */
export function isNewerVersion(candidate: Detection, held: Detection): boolean {
  if (candidate.updatedMs !== held.updatedMs) return candidate.updatedMs > held.updatedMs;
  return candidate.flowCount > held.flowCount;
}

/** What the Redis view stores beside each detection for filtering without parsing it. */
export interface IndexedFields {
  readonly firstSeenMs: number;
  readonly severity: string;
  readonly verdict: string;
  readonly transport: string;
  readonly dstPort: number;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly score: number;
  readonly status: string;
}

/** matchesFilter over the indexed fields alone (the same rules). */
export function matchesFields(x: IndexedFields, f: DetectionFilter): boolean {
  if (f.fromMs !== undefined && x.firstSeenMs < f.fromMs) return false;
  if (f.toMs !== undefined && x.firstSeenMs >= f.toMs) return false;
  if (f.dstPort !== undefined && x.dstPort !== f.dstPort) return false;
  if (f.transport !== undefined && x.transport !== f.transport) return false;
  if (f.minScore !== undefined && x.score < f.minScore) return false;
  if (f.severity !== undefined && !(f.severity as readonly string[]).includes(x.severity))
    return false;
  if (f.verdict !== undefined && !(f.verdict as readonly string[]).includes(x.verdict))
    return false;
  if (f.status !== undefined && !(f.status as readonly string[]).includes(x.status)) return false;
  if (f.src !== undefined && !inCidr(x.srcAddr, f.src)) return false;
  if (f.dst !== undefined && !inCidr(x.dstAddr, f.dst)) return false;
  return true;
}
