import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '@opaqueflow/flow-model';
import {
  DecoderError,
  FlowTable,
  flowsFromCapture,
  LinkType,
  newDecodedPacket,
} from '../../src/index.js';
import type { DecodedPacket } from '../../src/index.js';
import { ACK, FIN, ipv4, pcapFile, PSH, RST, SYN, tcp, udp } from '../capture/frames.js';

function tcpPacket(
  ms: number,
  fromA: boolean,
  flags: number,
  seq = 0,
  payload = '',
  ports: [number, number] = [40000, 443],
): DecodedPacket {
  const p = newDecodedPacket();
  const bytes = Buffer.from(payload, 'latin1');
  Object.assign(p, {
    timestampMs: ms,
    ipVersion: 4,
    srcAddr: fromA ? '10.0.0.1' : '10.0.0.2',
    dstAddr: fromA ? '10.0.0.2' : '10.0.0.1',
    srcPort: fromA ? ports[0] : ports[1],
    dstPort: fromA ? ports[1] : ports[0],
    protocol: 6,
    ipLength: 40 + bytes.length,
    l4Length: 20 + bytes.length,
    payloadLength: bytes.length,
    frame: bytes,
    payloadOffset: 0,
    capturedPayloadLength: bytes.length,
    tcpFlags: flags,
    tcpSeq: seq,
  });
  return p;
}

function table(options: ConstructorParameters<typeof FlowTable>[1] = {}): {
  t: FlowTable;
  out: FlowRecord[];
} {
  const out: FlowRecord[] = [];
  return { t: new FlowTable((f) => out.push(f), options), out };
}

test('a SYN-ACK seen first names its peer as the initiator', () => {
  const { t, out } = table();
  t.add(tcpPacket(0, false, SYN | ACK, 500));
  t.add(tcpPacket(1, true, ACK, 101, 'hi'));
  t.flush();
  assert.equal(out.length, 1);
  assert.equal(out[0]!.srcAddr, '10.0.0.1');
  assert.equal(out[0]!.initiatorKnown, true);
  assert.equal(out[0]!.packets[0]!.direction, 'rev');
});

test('idle timeout ends a flow; the next packet starts a new one', () => {
  const { t, out } = table({ idleTimeoutMs: 1000, activeTimeoutMs: 10_000 });
  t.add(tcpPacket(0, true, SYN, 1));
  t.add(tcpPacket(500, false, SYN | ACK, 9));
  t.add(tcpPacket(2000, true, ACK, 2));
  t.flush();
  assert.equal(out.length, 2);
  assert.equal(t.stats.evictions['idle-timeout'], 1);
  assert.equal(t.stats.evictions['end-of-capture'], 1);
  assert.equal(out[1]!.initiatorKnown, false);
});

test('the sweep expires quiet flows as capture time passes, without their own packets', () => {
  const { t, out } = table({ idleTimeoutMs: 1000, sweepIntervalMs: 100 });
  t.add(tcpPacket(0, true, SYN, 1));
  t.advanceTo(500);
  assert.equal(out.length, 0);
  t.advanceTo(1100);
  assert.equal(out.length, 1);
  assert.equal(t.size, 0);
});

test('active timeout cuts a long flow into records', () => {
  const { t, out } = table({ idleTimeoutMs: 1000, activeTimeoutMs: 3000 });
  for (let ms = 0; ms <= 7000; ms += 500) t.add(tcpPacket(ms, true, ACK, ms));
  t.flush();
  assert.equal(t.stats.evictions['active-timeout'], 2);
  assert.equal(
    out.reduce((n, f) => n + f.packetsFwd, 0),
    15,
  );
});

test('closed TCP: late ACKs still join, a new SYN on the same ports is a new flow', () => {
  const { t, out } = table({ tcpClosedTimeoutMs: 5000 });
  t.add(tcpPacket(0, true, SYN, 1));
  t.add(tcpPacket(1, false, SYN | ACK, 9));
  t.add(tcpPacket(2, true, FIN | ACK, 2));
  t.add(tcpPacket(3, false, FIN | ACK, 10));
  t.add(tcpPacket(4, true, ACK, 3));
  assert.equal(out.length, 0);
  t.add(tcpPacket(10, true, SYN, 77));
  t.flush();
  assert.equal(out.length, 2);
  assert.equal(out[0]!.packetsFwd + out[0]!.packetsRev, 5);
  assert.equal(t.stats.evictions['tcp-port-reuse'], 1);
  const rst = table({ tcpClosedTimeoutMs: 100, sweepIntervalMs: 10 });
  rst.t.add(tcpPacket(0, true, SYN, 1));
  rst.t.add(tcpPacket(1, false, RST | ACK, 0));
  rst.t.advanceTo(200);
  assert.equal(rst.t.stats.evictions['tcp-closed'], 1);
});

test('the flow bound evicts the oldest flow and counts it', () => {
  const { t, out } = table({ maxFlows: 3 });
  for (let i = 0; i < 5; i++) t.add(tcpPacket(i, true, SYN, 1, '', [1000 + i, 80]));
  assert.equal(t.size, 3);
  assert.equal(t.stats.evictions['flow-limit'], 2);
  assert.deepEqual(
    out.map((f) => f.srcPort),
    [1000, 1001],
  );
});

test('the buffered-bytes bound evicts flows holding payload', () => {
  const { t } = table({ maxBufferedBytes: 1024, payloadPrefixBytes: 512 });
  for (let i = 0; i < 10; i++)
    t.add(tcpPacket(i, true, PSH | ACK, 1, 'x'.repeat(300), [2000 + i, 80]));
  assert.ok(t.buffered <= 1024, `buffered ${t.buffered}`);
  assert.ok((t.stats.evictions['memory-limit'] ?? 0) >= 5);
});

test('prefix length and packet samples follow the options', () => {
  const frames = [];
  for (let i = 0; i < 30; i++) {
    frames.push({
      timestampMs: i,
      data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp(5000, 6000, 'abcdefghij')),
    });
  }
  const { flows } = flowsFromCapture(pcapFile({ linkType: LinkType.RAW }, frames), {
    payloadPrefixBytes: 25,
    packetSamples: 7,
  });
  assert.equal(flows[0]!.initiatorPayload!.length, 25);
  assert.equal(flows[0]!.packets.length, 7);
  const defaults = flowsFromCapture(
    pcapFile({ linkType: LinkType.RAW }, [...frames, ...frames, ...frames, ...frames]),
  );
  assert.equal(defaults.flows[0]!.packets.length, 20);
  assert.equal(defaults.flows[0]!.initiatorPayload!.length, 1024);
});

test('TCP Fast Open: data on the SYN is the first payload', () => {
  const frames = [
    {
      timestampMs: 0,
      data: ipv4(
        { src: '1.1.1.1', dst: '2.2.2.2', protocol: 6 },
        tcp({ sport: 1, dport: 2, seq: 50, flags: SYN, payload: 'tfo' }),
      ),
    },
    {
      timestampMs: 1,
      data: ipv4(
        { src: '1.1.1.1', dst: '2.2.2.2', protocol: 6 },
        tcp({ sport: 1, dport: 2, seq: 54, flags: ACK, payload: '!' }),
      ),
    },
  ];
  const { flows } = flowsFromCapture(pcapFile({ linkType: LinkType.RAW }, frames));
  assert.equal(Buffer.from(flows[0]!.initiatorPayload!).toString(), 'tfo!');
});

test('bad options are refused once, with a coded error naming them', () => {
  assert.throws(
    () => table({ maxFlows: 0 }),
    (e: unknown) => e instanceof DecoderError && /maxFlows/.test(e.message),
  );
  assert.throws(() => table({ idleTimeoutMs: Number.NaN }), DecoderError);
  assert.throws(() => table({ idleTimeoutMs: 10, activeTimeoutMs: 5 }), /activeTimeoutMs/);
  assert.throws(() => table({ nonsense: 1 } as never), /unknown/);
});
