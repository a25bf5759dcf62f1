import type { HandshakeProtocol, PacketDirection, Transport } from '@opaqueflow/flow-model';

/** What one recogniser learnt from one direction's payload prefix. */
export interface Recognition {
  readonly protocol: HandshakeProtocol;
  readonly keyExchange: boolean;
  readonly version?: string | null;
  readonly sni?: string | null;
  readonly alpn?: readonly string[];
  readonly ja4?: string | null;
  readonly details?: Readonly<Record<string, string>>;
  /**
   * How sure the recogniser is, 1–3: 3 a fully parsed structure (ClientHello, exact-size
   * WireGuard message), 2 a plausible header, 1 a weak hint (a port plus a loose shape).
   * Lets a strong match in one direction beat a weak one in the other.
   */
  readonly confidence: 1 | 2 | 3;
}

/** Context a recogniser may use to disambiguate short binary headers. */
export interface RecogniseContext {
  readonly transport: Transport;
  /** Port of the peer that sent these bytes. */
  readonly ownPort: number;
  /** Port of the peer that receives them. */
  readonly peerPort: number;
  readonly direction: PacketDirection;
  readonly srcPort: number;
  readonly dstPort: number;
}

export type Recogniser = (bytes: Uint8Array, ctx: RecogniseContext) => Recognition | null;

export function hasPort(ctx: RecogniseContext, ...ports: number[]): boolean {
  return ports.includes(ctx.srcPort) || ports.includes(ctx.dstPort);
}
