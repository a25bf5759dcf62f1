import assert from 'node:assert/strict';
import type { HandshakeInfo, HandshakeProtocol, Transport } from '@opaqueflow/flow-model';
import { recogniseHandshake } from '../../src/handshake/index.js';
import { prefixes } from './capture.js';

export interface Flow {
  readonly transport: Transport;
  readonly srcPort?: number;
  readonly dstPort?: number;
}

export function recognise(
  initiator: Uint8Array | null,
  responder: Uint8Array | null,
  flow: Flow,
): HandshakeInfo {
  return recogniseHandshake({
    initiator,
    responder,
    transport: flow.transport,
    srcPort: flow.srcPort ?? 50123,
    dstPort: flow.dstPort ?? 40000,
  });
}

/**
 * Cuts `bytes` at every prefix length (1, 2, 3, 5, 10, … bytes): from `minLength` on the
 * first packet must still be recognised as `protocol`; below it, it may be unrecognised but
 * must never be taken for a different key exchange.
 */
export function assertSplits(
  bytes: Uint8Array,
  flow: Flow,
  protocol: HandshakeProtocol,
  minLength: number,
  side: 'fwd' | 'rev' = 'fwd',
): void {
  for (const p of [...prefixes(bytes), bytes]) {
    const info = side === 'fwd' ? recognise(p, null, flow) : recognise(null, p, flow);
    if (p.length >= minLength) {
      assert.equal(info.protocol, protocol, `first ${p.length} of ${bytes.length} bytes`);
    } else if (info.protocol !== 'none') {
      assert.ok(
        info.protocol === protocol || !info.keyExchange,
        `first ${p.length} bytes taken for ${info.protocol}`,
      );
    }
  }
}

export function hexBytes(s: string): Uint8Array {
  return Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
}

export function concat(...parts: (Uint8Array | number[] | string)[]): Uint8Array {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );
}

export function u16be(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

export function u24be(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function u32be(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
