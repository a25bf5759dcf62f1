// OpenVPN per its protocol description (ssl.h / reliable.c in OpenVPN 2.x): hard-reset
// exchange, a control channel of acknowledged packets carrying a real node:tls handshake,
// then AES-256-GCM data packets (P_DATA_V2). UDP, or TCP with a 2-byte length per packet.
// Half the flows use tls-auth: an HMAC-SHA1 and a replay packet-id after the session id.
import { createCipheriv, createHmac } from 'node:crypto';
import { scriptedTcp, scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import type { Side } from '../transcript.js';
import { tlsInMemory } from './tls-memory.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const P_CONTROL_V1 = 4;
const P_ACK_V1 = 5;
const P_CONTROL_HARD_RESET_CLIENT_V2 = 7;
const P_CONTROL_HARD_RESET_SERVER_V2 = 8;
const P_DATA_V2 = 9;
/** Largest TLS fragment per control packet (OpenVPN's default tls-mtu is 1250). */
const CONTROL_FRAGMENT = 1100;

interface Endpoint {
  readonly sessionId: Buffer;
  /** Next control packet-id to send. */
  nextPid: number;
  /** Peer packet-ids received and not yet acknowledged. */
  pendingAcks: number[];
  /** tls-auth replay packet-id. */
  replayPid: number;
}

class ControlChannel {
  private readonly ends: Record<Side, Endpoint>;
  readonly packets: ScriptStep[] = [];

  constructor(
    rng: Rng,
    private readonly tlsAuthKey: Buffer | null,
    private readonly time: number,
  ) {
    this.ends = {
      client: { sessionId: rng.bytes(8), nextPid: 0, pendingAcks: [], replayPid: 1 },
      server: { sessionId: rng.bytes(8), nextPid: 0, pendingAcks: [], replayPid: 1 },
    };
  }

  /** op|sid|[hmac|pid|time]|ack-count|acks|[remote sid]|[msg pid]|payload */
  private emit(from: Side, opcode: number, payload: Buffer | null): void {
    const me = this.ends[from];
    const peer = this.ends[from === 'client' ? 'server' : 'client'];
    const acks = me.pendingAcks.splice(0, 8);
    const ackPart = Buffer.alloc(1 + acks.length * 4 + (acks.length > 0 ? 8 : 0));
    ackPart[0] = acks.length;
    acks.forEach((a, i) => ackPart.writeUInt32BE(a, 1 + i * 4));
    if (acks.length > 0) peer.sessionId.copy(ackPart, 1 + acks.length * 4);
    const rest: Buffer[] = [ackPart];
    if (payload) {
      const pid = Buffer.alloc(4);
      pid.writeUInt32BE(me.nextPid, 0);
      peer.pendingAcks.push(me.nextPid++);
      rest.push(pid, payload);
    }
    const op = Buffer.from([(opcode << 3) | 0]);
    let auth = Buffer.alloc(0);
    if (this.tlsAuthKey) {
      const replay = Buffer.alloc(8);
      replay.writeUInt32BE(me.replayPid++, 0);
      replay.writeUInt32BE(this.time, 4);
      // The HMAC covers the replay fields first, then the packet as if they were absent.
      const mac = createHmac('sha1', this.tlsAuthKey)
        .update(Buffer.concat([replay, op, me.sessionId, ...rest]))
        .digest();
      auth = Buffer.concat([mac, replay]);
    }
    this.packets.push({ from, data: Buffer.concat([op, me.sessionId, auth, ...rest]) });
  }

  hardReset(from: Side): void {
    this.emit(
      from,
      from === 'client' ? P_CONTROL_HARD_RESET_CLIENT_V2 : P_CONTROL_HARD_RESET_SERVER_V2,
      Buffer.alloc(0),
    );
  }

  /** TLS bytes in as many control packets as needed; the first carries pending acks. */
  send(from: Side, tls: Buffer): void {
    for (let off = 0; off < tls.length; off += CONTROL_FRAGMENT)
      this.emit(from, P_CONTROL_V1, tls.subarray(off, off + CONTROL_FRAGMENT));
  }

  /** A bare acknowledgement of everything the peer sent, if anything is pending. */
  ack(from: Side): void {
    if (this.ends[from].pendingAcks.length > 0) this.emit(from, P_ACK_V1, null);
  }
}

/** P_DATA_V2 with AES-256-GCM: op+peer-id as associated data, packet-id, tag, ciphertext. */
function dataPacket(
  key: Buffer,
  implicitIv: Buffer,
  peerId: number,
  pid: number,
  inner: Buffer,
): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(((P_DATA_V2 << 3) << 24) | peerId, 0);
  const pidBytes = Buffer.alloc(4);
  pidBytes.writeUInt32BE(pid, 0);
  const c = createCipheriv('aes-256-gcm', key, Buffer.concat([pidBytes, implicitIv]), {
    authTagLength: 16,
  });
  c.setAAD(Buffer.concat([head, pidBytes]));
  const ct = Buffer.concat([c.update(inner), c.final()]);
  return Buffer.concat([head, pidBytes, c.getAuthTag(), ct]);
}

async function openvpnFlow(ctx: FlowContext, transport: 'udp' | 'tcp'): Promise<FlowOutcome> {
  const { rng } = ctx;
  const tlsAuth = ctx.index % 2 === 1;
  const channel = new ControlChannel(
    rng,
    tlsAuth ? rng.bytes(20) : null,
    1_767_225_600 + ctx.index,
  );
  channel.hardReset('client');
  channel.hardReset('server');
  // key-method 2: the literal, random key material and the options string, inside TLS.
  const keyMethod = (side: Side): Buffer =>
    Buffer.concat([
      Buffer.alloc(4),
      Buffer.from([2]),
      rng.bytes(side === 'client' ? 112 : 64),
      Buffer.from(
        `V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto ${transport.toUpperCase()}v4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-${side}\0`,
      ),
    ]);
  const tls = await tlsInMemory({
    clientData: keyMethod('client'),
    serverData: keyMethod('server'),
    version: ctx.index % 3 === 2 ? 'TLSv1.2' : 'TLSv1.3',
  });
  for (const [n, w] of tls.entries()) {
    channel.send(w.from, w.data);
    // A side with nothing to say next acknowledges what it got.
    const next = tls[n + 1];
    if (!next || next.from === w.from) channel.ack(w.from === 'client' ? 'server' : 'client');
  }
  channel.ack('client');
  const steps: ScriptStep[] = [...channel.packets];
  const keys = { client: rng.bytes(32), server: rng.bytes(32) };
  const ivs = { client: rng.bytes(8), server: rng.bytes(8) };
  const pids = { client: 1, server: 1 };
  const exchanges = rng.int(3, 8);
  for (let n = 0; n < exchanges; n++) {
    for (const side of ['client', 'server'] as const) {
      const inner = rng.bytes(rng.int(40, side === 'client' ? 300 : 1300));
      steps.push({ from: side, data: dataPacket(keys[side], ivs[side], 0, pids[side]++, inner) });
    }
  }
  const framed =
    transport === 'tcp'
      ? steps.map((s) => ({ from: s.from, data: lengthPrefixed(s.data) }))
      : steps;
  return {
    transcript: transport === 'tcp' ? await scriptedTcp(framed) : await scriptedUdp(framed),
    detail: `${tlsAuth ? 'tls-auth HMAC-SHA1, ' : ''}${tls.length} TLS flights in ${channel.packets.length} control packets, ${exchanges * 2} P_DATA_V2`,
  };
}

function lengthPrefixed(packet: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(packet.length, 0);
  return Buffer.concat([len, packet]);
}

export const openvpnClasses: readonly FlowClass[] = [
  {
    name: 'openvpn-udp',
    label: 'openvpn',
    transport: 'udp',
    ports: [1194, 1195, 53],
    ipv6: true,
    reproducible: false,
    description:
      'OpenVPN over UDP: hard resets, control channel carrying node:tls, AES-256-GCM P_DATA_V2',
    make: (ctx) => openvpnFlow(ctx, 'udp'),
  },
  {
    name: 'openvpn-tcp',
    label: 'openvpn',
    transport: 'tcp',
    ports: [1194, 443, 8080],
    ipv6: true,
    reproducible: false,
    description:
      'OpenVPN over TCP (2-byte packet length): hard resets, control channel carrying node:tls, P_DATA_V2',
    make: (ctx) => openvpnFlow(ctx, 'tcp'),
  },
];
