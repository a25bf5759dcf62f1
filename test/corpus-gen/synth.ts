// Turns a transcript into the packets a capture point between the two hosts would have seen:
// the TCP three-way handshake, MSS-sized segments with consistent sequence and
// acknowledgement numbers, delayed ACKs and a FIN teardown; UDP datagrams one per send.
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  ipFrame,
  tcpHeaderAndPayload,
  udpHeaderAndPayload,
  type Endpoint,
  type PcapWriter,
} from './pcap-writer.js';
import type { Rng } from './rng.js';
import { other, type Side, type Transcript } from './transcript.js';

/** Timing model in microseconds: a LAN-ish round trip and host processing delays. */
const ONE_WAY_US = 4_000;
const BACK_TO_BACK_US = 30;
const WINDOW = 64240;

export interface FlowEndpoints {
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** MSS the client advertises, below the link's (a tunnel, an old stack); default the link's. */
  readonly clientMss?: number;
}

export interface SynthResult {
  readonly packets: number;
  readonly endUs: number;
}

interface HostState {
  readonly ep: Endpoint;
  seq: number;
  ipId: number;
  finSent: boolean;
}

/** TCP maximum segment size for a 1500-byte MTU. */
function mssFor(ep: Endpoint): number {
  return ep.ip.includes(':') ? 1440 : 1460;
}

function mssOption(mss: number): Buffer {
  const o = Buffer.alloc(4);
  o[0] = 2;
  o[1] = 4;
  o.writeUInt16BE(mss, 2);
  return o;
}

export function synthesise(
  t: Transcript,
  eps: FlowEndpoints,
  rng: Rng,
  startUs: number,
  out: PcapWriter,
): SynthResult {
  return t.transport === 'tcp'
    ? synthTcp(t, eps, rng, startUs, out)
    : synthUdp(t, eps, rng, startUs, out);
}

function synthUdp(
  t: Transcript,
  eps: FlowEndpoints,
  rng: Rng,
  startUs: number,
  out: PcapWriter,
): SynthResult {
  let now = startUs;
  let last: Side | null = null;
  let packets = 0;
  const ids = { client: rng.int(0, 0xffff), server: rng.int(0, 0xffff) };
  for (const e of t.events) {
    if (e.kind !== 'data') continue;
    now += last === null ? 0 : last === e.from ? BACK_TO_BACK_US * 10 : ONE_WAY_US;
    last = e.from;
    const src = e.from === 'client' ? eps.client : eps.server;
    const dst = e.from === 'client' ? eps.server : eps.client;
    const udp = udpHeaderAndPayload(src, dst, e.data);
    out.add(now, ipFrame(src, dst, 17, udp, ids[e.from]++));
    packets++;
  }
  return { packets, endUs: now };
}

function synthTcp(
  t: Transcript,
  eps: FlowEndpoints,
  rng: Rng,
  startUs: number,
  out: PcapWriter,
): SynthResult {
  const hosts: Record<Side, HostState> = {
    client: {
      ep: eps.client,
      seq: rng.int(0, 0xffffffff),
      ipId: rng.int(0, 0xffff),
      finSent: false,
    },
    server: {
      ep: eps.server,
      seq: rng.int(0, 0xffffffff),
      ipId: rng.int(0, 0xffff),
      finSent: false,
    },
  };
  let now = startUs;
  let lastSender: Side = 'client';
  let packets = 0;

  const send = (from: Side, flags: number, payload: Buffer, options?: Buffer): void => {
    now += from === lastSender ? BACK_TO_BACK_US : ONE_WAY_US;
    lastSender = from;
    const me = hosts[from];
    const peer = hosts[other(from)];
    const seg = tcpHeaderAndPayload(me.ep, peer.ep, {
      seq: me.seq,
      ack: peer.seq,
      flags,
      window: WINDOW,
      ...(options ? { options } : {}),
      payload,
    });
    out.add(now, ipFrame(me.ep, peer.ep, 6, seg, me.ipId++));
    me.seq = (me.seq + payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
    packets++;
  };

  const clientMss = Math.min(eps.clientMss ?? Infinity, mssFor(eps.client));
  send('client', TCP_SYN, Buffer.alloc(0), mssOption(clientMss));
  send('server', TCP_SYN | TCP_ACK, Buffer.alloc(0), mssOption(mssFor(eps.server)));
  send('client', TCP_ACK, Buffer.alloc(0));

  const events = t.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const next = events[i + 1];
    const receiver = other(e.from);
    // The receiver's next segment acknowledges for free when it is data or its own FIN.
    const piggybacked =
      next !== undefined &&
      !hosts[receiver].finSent &&
      next.from === receiver &&
      (next.kind === 'fin' || (next.kind === 'data' && next.data.length > 0));
    if (e.kind === 'fin') {
      if (hosts[e.from].finSent) continue;
      send(e.from, TCP_FIN | TCP_ACK, Buffer.alloc(0));
      hosts[e.from].finSent = true;
      if (!piggybacked && !hosts[receiver].finSent) send(receiver, TCP_ACK, Buffer.alloc(0));
      else if (hosts[receiver].finSent) send(receiver, TCP_ACK, Buffer.alloc(0));
      continue;
    }
    if (e.data.length === 0 || hosts[e.from].finSent) continue;
    // Each side segments to the smaller of its own and its peer's advertised MSS.
    const mss = Math.min(clientMss, mssFor(eps.server));
    let unacked = 0;
    for (let off = 0; off < e.data.length; off += mss) {
      const part = e.data.subarray(off, off + mss);
      const lastPart = off + mss >= e.data.length;
      send(e.from, TCP_ACK | (lastPart ? TCP_PSH : 0), part);
      unacked++;
      // Delayed ACK: one acknowledgement per two full-sized segments.
      if (!lastPart && unacked === 2) {
        send(receiver, TCP_ACK, Buffer.alloc(0));
        unacked = 0;
      }
    }
    if (!piggybacked) send(receiver, TCP_ACK, Buffer.alloc(0));
  }
  // Close whatever the recording left open, initiator first, so every flow ends cleanly.
  for (const side of ['client', 'server'] as const) {
    if (hosts[side].finSent) continue;
    const receiver = other(side);
    send(side, TCP_FIN | TCP_ACK, Buffer.alloc(0));
    hosts[side].finSent = true;
    if (hosts[receiver].finSent) send(receiver, TCP_ACK, Buffer.alloc(0));
  }
  return { packets, endUs: now };
}
