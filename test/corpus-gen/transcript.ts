// What one flow's two sides did, in order, independent of addresses and timing: the recorders
// fill it from real sockets, the synthesiser turns it into packets.

export type Side = 'client' | 'server';

export type TranscriptEvent =
  | { readonly kind: 'data'; readonly from: Side; readonly data: Buffer }
  /** The side closed its sending half (TCP FIN). */
  | { readonly kind: 'fin'; readonly from: Side };

export interface Transcript {
  readonly transport: 'tcp' | 'udp';
  readonly events: readonly TranscriptEvent[];
}

export function other(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/** Bytes each side sent, concatenated in order. */
export function streamOf(t: Transcript, side: Side): Buffer {
  return Buffer.concat(
    t.events.flatMap((e) => (e.kind === 'data' && e.from === side ? [e.data] : [])),
  );
}

/** Builds a transcript by hand, for protocols the generator speaks itself. */
export class TranscriptBuilder {
  private readonly events: TranscriptEvent[] = [];

  constructor(private readonly transport: 'tcp' | 'udp') {}

  client(data: Buffer): this {
    this.events.push({ kind: 'data', from: 'client', data });
    return this;
  }

  server(data: Buffer): this {
    this.events.push({ kind: 'data', from: 'server', data });
    return this;
  }

  fin(from: Side): this {
    this.events.push({ kind: 'fin', from });
    return this;
  }

  build(): Transcript {
    return { transport: this.transport, events: [...this.events] };
  }
}
