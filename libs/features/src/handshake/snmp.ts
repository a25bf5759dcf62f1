// SNMP messages are BER (X.690 §8): SEQUENCE { INTEGER version, OCTET STRING community, PDU }
// for v1/v2c (RFC 1157 §4, RFC 3416 §3), and SEQUENCE { version 3, msgGlobalData SEQUENCE, … }
// for v3 (RFC 3412 §6). PDU tags are context-specific constructed 0xa0–0xa8.
import { u8 } from './bytes.js';
import type { Recognition } from './result.js';

/** BER length at `p`: [length, offset after it], [-1, _] when cut, null when malformed. */
function berLength(b: Uint8Array, p: number): [number, number] | null {
  const first = u8(b, p);
  if (first < 0) return [-1, p];
  if (first < 0x80) return [first, p + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 3) return null; // Indefinite or absurd lengths are not SNMP.
  let v = 0;
  for (let i = 1; i <= n; i++) {
    const c = u8(b, p + i);
    if (c < 0) return [-1, p];
    v = v * 256 + c;
  }
  return [v, p + 1 + n];
}

const PDUS: Record<number, string> = {
  0xa0: 'get',
  0xa1: 'get_next',
  0xa2: 'response',
  0xa3: 'set',
  0xa4: 'trap_v1',
  0xa5: 'get_bulk',
  0xa6: 'inform',
  0xa7: 'trap_v2',
  0xa8: 'report',
};

export function recogniseSnmp(b: Uint8Array): Recognition | null {
  if (u8(b, 0) !== 0x30) return null;
  const seq = berLength(b, 1);
  if (seq === null || seq[0] < 0) return null;
  // The message is the whole datagram; a prefix may hold the next datagram right after it.
  const msgEnd = seq[0] + seq[1];
  if (msgEnd < b.length && u8(b, msgEnd) !== 0x30) return null;
  let p = seq[1];
  if (u8(b, p) !== 0x02 || u8(b, p + 1) !== 0x01) return null;
  const version = u8(b, p + 2);
  if (version !== 0 && version !== 1 && version !== 3) return null;
  p += 3;
  const v = version === 0 ? '1' : version === 1 ? '2c' : '3';
  if (version === 3) {
    if (u8(b, p) !== 0x30) return null;
    return { protocol: 'snmp', keyExchange: false, version: v, details: {}, confidence: 2 };
  }
  if (u8(b, p) !== 0x04) return null;
  const community = berLength(b, p + 1);
  if (community === null) return null;
  if (community[0] < 0)
    return {
      protocol: 'snmp',
      keyExchange: false,
      version: v,
      details: { truncated: 'true' },
      confidence: 1,
    };
  p = community[1] + community[0];
  for (let i = community[1]; i < Math.min(p, b.length); i++) {
    const c = u8(b, i);
    if (c < 0x20 || c > 0x7e) return null;
  }
  const pdu = PDUS[u8(b, p)];
  if (pdu === undefined)
    return u8(b, p) < 0
      ? {
          protocol: 'snmp',
          keyExchange: false,
          version: v,
          details: { truncated: 'true' },
          confidence: 2,
        }
      : null;
  return { protocol: 'snmp', keyExchange: false, version: v, details: { pdu }, confidence: 3 };
}
