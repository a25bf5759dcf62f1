import type { FlowRecord } from '@opaqueflow/flow-model';
import { POPCOUNT, PRINTABLE } from '../randomness/tables.js';
import { firstInitiatorPacket } from './first-packet.js';

/**
 * The passive rule set the Great Firewall of China used from November 2021 to block fully
 * encrypted traffic, as measured by Wu et al., "How the Great Firewall of China Detects and
 * Blocks Fully Encrypted Traffic" (USENIX Security 2023). It looks at the client's first data
 * packet and blocks unless one exemption holds:
 *   Ex1  popcount per byte ≤ 3.4 or ≥ 4.6
 *   Ex2  the first six bytes are printable ASCII
 *   Ex3  more than half of the bytes are printable
 *   Ex4  more than 20 contiguous printable bytes
 *   Ex5  the first bytes match a TLS record ([\x16-\x17]\x03[\x00-\x09]) or an HTTP request
 * The GFW applied it to TCP only and to a fraction of connections; as a baseline here it applies
 * to every flow (option tcpOnly restores the TCP restriction), which can only help its recall.
 */
export type GfwExemption =
  | 'Ex1-popcount'
  | 'Ex2-first-six-printable'
  | 'Ex3-half-printable'
  | 'Ex4-printable-run'
  | 'Ex5-tls-http'
  | 'no-payload'
  | 'not-tcp';

export interface GfwDecision {
  readonly blocked: boolean;
  /** The first exemption that held, in the paper's order; null when blocked. */
  readonly exemption: GfwExemption | null;
  readonly inspectedBytes: number;
  readonly popcountPerByte: number | null;
}

export interface GfwOptions {
  readonly tcpOnly?: boolean;
}

const HTTP_METHODS = [
  'GET ',
  'HEAD ',
  'POST ',
  'PUT ',
  'DELETE ',
  'CONNECT ',
  'OPTIONS ',
  'TRACE ',
  'PATCH ',
].map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function tlsOrHttp(bytes: Uint8Array): boolean {
  if (bytes.length >= 3) {
    const [b0, b1, b2] = bytes as unknown as [number, number, number];
    if ((b0 === 0x16 || b0 === 0x17) && b1 === 0x03 && b2 <= 0x09) return true;
  }
  return HTTP_METHODS.some((m) => startsWith(bytes, m));
}

export function gfwRules(packet: Uint8Array): GfwDecision {
  const n = packet.length;
  if (n === 0)
    return { blocked: false, exemption: 'no-payload', inspectedBytes: 0, popcountPerByte: null };
  let bits = 0;
  let printable = 0;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const b = packet[i] as number;
    bits += POPCOUNT[b] as number;
    if (PRINTABLE[b] === 1) {
      printable++;
      run++;
      if (run > longest) longest = run;
    } else run = 0;
  }
  const popcountPerByte = bits / n;
  let firstSix = n >= 6;
  for (let i = 0; i < 6 && i < n; i++) if (PRINTABLE[packet[i] as number] !== 1) firstSix = false;
  const decide = (exemption: GfwExemption | null): GfwDecision => ({
    blocked: exemption === null,
    exemption,
    inspectedBytes: n,
    popcountPerByte,
  });
  if (popcountPerByte <= 3.4 || popcountPerByte >= 4.6) return decide('Ex1-popcount');
  if (firstSix) return decide('Ex2-first-six-printable');
  if (printable * 2 > n) return decide('Ex3-half-printable');
  if (longest > 20) return decide('Ex4-printable-run');
  if (tlsOrHttp(packet)) return decide('Ex5-tls-http');
  return decide(null);
}

/** The GFW rule set on a flow's first initiator packet: blocked means "judged fully encrypted". */
export function gfwBaseline(flow: FlowRecord, options: GfwOptions = {}): GfwDecision {
  if (options.tcpOnly === true && flow.transport !== 'tcp') {
    return { blocked: false, exemption: 'not-tcp', inspectedBytes: 0, popcountPerByte: null };
  }
  const packet = firstInitiatorPacket(flow);
  if (packet === null)
    return { blocked: false, exemption: 'no-payload', inspectedBytes: 0, popcountPerByte: null };
  return gfwRules(packet);
}
