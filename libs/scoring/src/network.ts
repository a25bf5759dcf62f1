import ipaddr from 'ipaddr.js';
import type { ParsedCidr, ScorerConfig } from './config.js';

export type Zone = 'sensitive' | 'internal' | 'external';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Parse an address; IPv4-mapped IPv6 becomes IPv4 so one CIDR list covers both forms. */
export function parseAddress(text: string): Address | null {
  if (!ipaddr.isValid(text)) return null;
  try {
    return ipaddr.process(text);
  } catch {
    return null;
  }
}

export function inAny(addr: Address, list: readonly ParsedCidr[]): boolean {
  for (const range of list) {
    if (range[0].kind() === addr.kind() && addr.match(range)) return true;
  }
  return false;
}

export function zoneOf(addr: Address, config: ScorerConfig): Zone {
  if (inAny(addr, config.networks.sensitive)) return 'sensitive';
  if (inAny(addr, config.networks.internal)) return 'internal';
  return 'external';
}

/** A flow's baseline scope: the first configured scope holding the destination, then the source. */
export function scopeOf(src: Address, dst: Address, config: ScorerConfig): string | null {
  for (const scope of config.networks.scopes) if (inAny(dst, scope.cidrs)) return scope.name;
  for (const scope of config.networks.scopes) if (inAny(src, scope.cidrs)) return scope.name;
  return null;
}

/** Share of the direction weight for a (source zone → destination zone) pair. */
export function directionFactor(src: Zone, dst: Zone): number {
  if (src === 'sensitive') return dst === 'external' ? 1 : dst === 'internal' ? 0.6 : 0.3;
  if (src === 'internal') return dst === 'external' ? 0.6 : dst === 'sensitive' ? 0.5 : 0.2;
  // Inbound from outside: an opaque channel someone opened to us.
  return dst === 'sensitive' ? 0.5 : dst === 'internal' ? 0.3 : 0;
}
