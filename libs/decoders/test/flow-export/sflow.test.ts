import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowExportDecoder } from '../../src/flow-export/index.js';
import {
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  sflowCountersSample,
  sflowDatagram,
  tcpSegment,
  udpDatagram,
} from './builders.js';

const AGENT = '192.0.2.50';
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

test('sFlow raw header samples assemble into one flow with scaled counters and payload', () => {
  let now = 1_000_000;
  const d = new FlowExportDecoder({ sflowIdleTimeoutMs: 5_000 }, () => now);
  const hello = new TextEncoder().encode('opaque-client-bytes');
  const reply = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
  const c2s = (flags: number, payload: Uint8Array, seq: number) =>
    ethernetFrame(
      ipv4Packet('10.9.0.1', '10.9.0.2', 6, tcpSegment(51000, 9001, flags, payload, seq)),
    );
  const s2c = (flags: number, payload: Uint8Array) =>
    ethernetFrame(ipv4Packet('10.9.0.2', '10.9.0.1', 6, tcpSegment(9001, 51000, flags, payload)));
  // The SYN-ACK arrives first: its sender is still recognised as the responder.
  const r1 = d.decode(
    sflowDatagram(
      AGENT,
      3,
      [
        { samplingRate: 100, frame: s2c(SYN | ACK, new Uint8Array(0)) },
        { samplingRate: 100, frame: c2s(PSH | ACK, hello.subarray(5), 1005), expanded: true },
        { samplingRate: 100, frame: c2s(PSH | ACK, hello, 1000) },
        { samplingRate: 100, frame: s2c(PSH | ACK, reply) },
      ],
      [sflowCountersSample()],
    ),
    AGENT,
    now,
  );
  assert.equal(r1.rejected, null);
  assert.equal(r1.protocol, 'sflow');
  assert.equal(r1.records.length, 0, 'flows wait for their idle timeout');
  assert.equal(d.stats().sflowFlowsOpen, 1);
  now += 6_000;
  const flows = d.flushExpired();
  assert.equal(flows.length, 1);
  const f = flows[0]!;
  assert.equal(f.source, 'sflow');
  assert.equal(f.exporter, AGENT);
  assert.equal(f.observationDomain, 3);
  assert.equal(f.samplingRate, 100);
  assert.equal(f.srcAddr, '10.9.0.1');
  assert.equal(f.srcPort, 51000);
  assert.equal(f.dstPort, 9001);
  assert.equal(f.initiatorKnown, true);
  assert.equal(f.packetsFwd, 200);
  assert.equal(f.packetsRev, 200);
  assert.equal(f.bytesFwd, 100 * (40 + 14) + 100 * (40 + 19));
  assert.equal(f.bytesRev, 100 * 40 + 100 * 44);
  assert.deepEqual(f.initiatorPayload, hello, 'lowest sequence number wins');
  assert.deepEqual(f.responderPayload, reply);
  assert.equal(f.exporterEvidence, null);
  assert.equal(d.stats().sflowFlowsOpen, 0);
});

test('sFlow IPv6 UDP without payload stays without payload; override rate applies', () => {
  const d = new FlowExportDecoder({ samplingOverrides: { [AGENT]: 7 } });
  d.decode(
    sflowDatagram(AGENT, 0, [
      {
        samplingRate: 1000,
        headerProtocol: 12,
        frame: ipv6Packet(
          '2001:db8::a',
          '2001:db8::b',
          17,
          udpDatagram(5000, 6000, new Uint8Array(0)),
        ),
      },
    ]),
    AGENT,
  );
  const [f] = d.flushAll();
  assert.ok(f);
  assert.equal(f.ipVersion, 6);
  assert.equal(f.srcAddr, '2001:db8::a');
  assert.equal(f.samplingRate, 7);
  assert.equal(f.packetsFwd, 7);
  assert.equal(f.initiatorPayload, null);
  assert.equal(f.initiatorKnown, false);
});

test('sFlow malformed datagrams are rejected by reason', () => {
  const d = new FlowExportDecoder();
  const good = sflowDatagram(AGENT, 0, [
    {
      samplingRate: 1,
      frame: ethernetFrame(
        ipv4Packet('1.1.1.1', '2.2.2.2', 17, udpDatagram(1, 2, new Uint8Array(4))),
      ),
    },
  ]);
  const badAddress = good.slice();
  badAddress[7] = 9;
  assert.equal(d.decode(badAddress, AGENT).rejected, 'unsupported-address-type');
  assert.equal(d.decode(good.subarray(0, 20), AGENT).rejected, 'truncated-header');
  const badCount = good.slice();
  badCount[27] = 200;
  assert.equal(d.decode(badCount, AGENT).rejected, 'bad-record-count');
  assert.deepEqual(d.decode(good.subarray(0, good.length - 8), AGENT).setRejects, ['bad-sample']);
  assert.equal(d.flushAll().length, 0);
});

test('the sFlow flow table is bounded: the oldest flow is emitted', () => {
  const d = new FlowExportDecoder({ sflowMaxFlows: 3 });
  let emitted = 0;
  for (let port = 1; port <= 10; port++) {
    const frame = ethernetFrame(
      ipv4Packet('1.1.1.1', '2.2.2.2', 17, udpDatagram(port, 53, new Uint8Array(2))),
    );
    emitted += d.decode(sflowDatagram(AGENT, 0, [{ samplingRate: 1, frame }]), AGENT).records
      .length;
  }
  assert.equal(emitted, 7);
  assert.equal(d.stats().sflowFlowsOpen, 3);
});
