import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowsFromCapture, LinkType } from '../../src/index.js';
import type { Frame } from '../capture/frames.js';
import { ACK, ethernet, FIN, ipv4, pcapFile, PSH, SYN, tcp, udp } from '../capture/frames.js';

const T0 = 1_700_000_000_000;
const C = '10.0.0.1';
const S = '192.0.2.7';

function tcpFrame(
  ms: number,
  fromClient: boolean,
  seq: number,
  ack: number,
  flags: number,
  payload = '',
): Frame {
  const [src, dst, sport, dport] = fromClient ? [C, S, 40000, 8443] : [S, C, 8443, 40000];
  return {
    timestampMs: T0 + ms,
    data: ethernet(
      0x0800,
      ipv4({ src, dst, protocol: 6 }, tcp({ sport, dport, seq, ack, flags, payload })),
    ),
  };
}

/** A complete TCP conversation: handshake, request, response, close. */
export function conversation(): Frame[] {
  return [
    tcpFrame(0, true, 1000, 0, SYN),
    tcpFrame(1, false, 5000, 1001, SYN | ACK),
    tcpFrame(2, true, 1001, 5001, ACK),
    tcpFrame(3, true, 1001, 5001, PSH | ACK, 'hello '),
    tcpFrame(4, true, 1007, 5001, PSH | ACK, 'world'),
    tcpFrame(5, false, 5001, 1012, PSH | ACK, 'HI'),
    tcpFrame(6, true, 1012, 5003, FIN | ACK),
    tcpFrame(7, false, 5003, 1013, FIN | ACK),
    tcpFrame(8, true, 1013, 5004, ACK),
  ];
}

test('a TCP conversation becomes one flow with initiator, counters and payload prefixes', () => {
  const bytes = pcapFile({ linkType: LinkType.ETHERNET }, conversation());
  const { flows, stats } = flowsFromCapture(bytes);
  assert.equal(stats.format, 'pcap');
  assert.equal(stats.packetsRead, 9);
  assert.equal(stats.packetsDecoded, 9);
  assert.deepEqual(stats.rejected, {});
  assert.equal(flows.length, 1);
  const f = flows[0]!;
  assert.equal(f.srcAddr, C);
  assert.equal(f.srcPort, 40000);
  assert.equal(f.dstAddr, S);
  assert.equal(f.dstPort, 8443);
  assert.equal(f.transport, 'tcp');
  assert.equal(f.initiatorKnown, true);
  assert.equal(f.packetsFwd, 6);
  assert.equal(f.packetsRev, 3);
  assert.equal(f.bytesFwd, 6 * 40 + 11);
  assert.equal(f.startMs, T0);
  assert.equal(f.endMs, T0 + 8);
  assert.equal(Buffer.from(f.initiatorPayload!).toString(), 'hello world');
  assert.equal(Buffer.from(f.responderPayload!).toString(), 'HI');
  assert.equal(f.tcpFlagsFwd, SYN | ACK | PSH | FIN);
  assert.equal(f.packets.length, 9);
  assert.deepEqual(
    f.packets.map((p) => p.direction),
    ['fwd', 'rev', 'fwd', 'fwd', 'fwd', 'rev', 'fwd', 'rev', 'fwd'],
  );
  assert.equal(f.packets[3]!.payloadSize, 6);
  assert.equal(f.packets[3]!.size, 26);
  assert.ok(Math.abs(f.packets[1]!.gapMs - 1) < 1e-6);
  assert.equal(f.source, 'pcap');
  assert.match(f.flowId, /^[0-9a-f]{32}$/);
});

test('UDP and other protocols make flows too', () => {
  const frames: Frame[] = [
    {
      timestampMs: T0,
      data: ethernet(0x0800, ipv4({ src: C, dst: S, protocol: 17 }, udp(5353, 53, 'q'))),
    },
    {
      timestampMs: T0 + 1,
      data: ethernet(0x0800, ipv4({ src: S, dst: C, protocol: 17 }, udp(53, 5353, 'answer'))),
    },
    {
      timestampMs: T0 + 2,
      data: ethernet(0x0800, ipv4({ src: C, dst: S, protocol: 1 }, [8, 0, 0, 0, 0, 1, 0, 1])),
    },
  ];
  const { flows } = flowsFromCapture(pcapFile({ linkType: LinkType.ETHERNET }, frames));
  assert.equal(flows.length, 2);
  const u = flows.find((f) => f.transport === 'udp')!;
  assert.equal(u.srcPort, 5353);
  assert.equal(u.initiatorKnown, false);
  assert.equal(Buffer.from(u.responderPayload!).toString(), 'answer');
  const o = flows.find((f) => f.transport === 'other')!;
  assert.equal(o.protocol, 1);
  assert.equal(o.srcPort, 0);
});
