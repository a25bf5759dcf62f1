// The golden fixtures (written by editcap/mergecap from one scenario, see ../fixtures):
// every format and link type must decode to the same flows with the same contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { flowsFromCapture, readCapture } from '../../src/index.js';
import { T0 } from '../fixtures/scenario.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const load = (name: string): Uint8Array => readFileSync(join(fixtures, name));
const text = (b: Uint8Array | null): string | null =>
  b === null ? null : Buffer.from(b).toString('latin1');

function byPorts(flows: readonly FlowRecord[], a: number, b: number): FlowRecord {
  const f = flows.find(
    (x) => (x.srcPort === a && x.dstPort === b) || (x.srcPort === b && x.dstPort === a),
  );
  assert.ok(f, `no flow between ports ${a} and ${b}`);
  return f;
}

const ethernetFiles: [string, string][] = [
  ['mixed.pcap', 'pcap'],
  ['mixed-be.pcap', 'pcap'],
  ['mixed-nsec.pcap', 'pcap'],
  ['mixed-modified.pcap', 'pcap'],
  ['mixed.pcapng', 'pcapng'],
  ['mixed-nsec.pcapng', 'pcapng'],
  ['mixed-be.pcapng', 'pcapng'],
];

for (const [name, format] of ethernetFiles) {
  test(`${name}: every flow of the scenario, with the same contents`, () => {
    const { flows, stats } = flowsFromCapture(load(name));
    assert.equal(stats.format, format);
    assert.deepEqual(stats.rejected, {});
    assert.equal(stats.packetsRead, 24);
    assert.deepEqual(stats.ignored, { 'non-ip-frame': 1 });
    assert.equal(flows.length, 8);

    const reordered = byPorts(flows, 40000, 8443);
    assert.equal(reordered.srcAddr, '10.0.0.1');
    assert.equal(reordered.dstPort, 8443);
    assert.equal(reordered.initiatorKnown, true);
    assert.equal(text(reordered.initiatorPayload), 'GET /abcdefghij');
    assert.equal(text(reordered.responderPayload), 'OK!');
    assert.equal(reordered.packetsFwd, 8);
    assert.equal(reordered.packetsRev, 3);
    assert.equal(reordered.startMs, T0);
    assert.equal(reordered.endMs, T0 + 10);
    assert.ok(
      Math.abs(reordered.packets[1]!.gapMs - 1) < 0.01,
      `gap ${reordered.packets[1]!.gapMs}`,
    );
    assert.ok(stats.tcpOutOfOrderSegments >= 1);
    assert.ok(stats.tcpRetransmittedSegments >= 1);

    const mid = byPorts(flows, 22, 51000);
    assert.equal(mid.initiatorKnown, false);
    assert.equal(mid.srcAddr, '198.51.100.9');
    assert.equal(text(mid.initiatorPayload), 'server data');

    const vlan = byPorts(flows, 5000, 6000);
    assert.equal(text(vlan.initiatorPayload), 'vlan-one');
    assert.equal(text(vlan.responderPayload), 'vlan-two');
    const qinq = byPorts(flows, 7000, 7001);
    assert.equal(qinq.packetsFwd + qinq.packetsRev, 2);
    assert.equal(text(qinq.responderPayload), 'qinq-two');

    const v6 = byPorts(flows, 50123, 9000);
    assert.equal(v6.ipVersion, 6);
    assert.equal(v6.srcAddr, '2001:db8::1');
    assert.equal(v6.dstAddr, '2001:db8:0:1::2');
    assert.equal(v6.initiatorKnown, true);
    assert.equal(text(v6.initiatorPayload), 'v6 payload');

    const frag = byPorts(flows, 4000, 4001);
    assert.equal(text(frag.initiatorPayload), 'frag-hdr');
    assert.equal(stats.ipFragments, 1);

    const withOptions = byPorts(flows, 33000, 80);
    assert.equal(withOptions.srcAddr, '172.16.0.1');
    assert.equal(withOptions.bytesFwd, 24 + 20);
    const icmp = flows.find((f) => f.protocol === 1);
    assert.equal(icmp?.transport, 'other');
  });
}

for (const name of ['rawip.pcap', 'null-le.pcap', 'loop.pcap']) {
  test(`${name}: IP without Ethernet decodes to the same flows`, () => {
    const { flows, stats } = flowsFromCapture(load(name));
    assert.deepEqual(stats.rejected, {});
    assert.equal(flows.length, 5);
    assert.equal(text(byPorts(flows, 40000, 8443).initiatorPayload), 'GET /abcdefghij');
    assert.equal(byPorts(flows, 50123, 9000).ipVersion, 6);
  });
}

test('two-interfaces.pcapng: interfaces keep their own link types', () => {
  const { packets, stats } = readCapture(load('two-interfaces.pcapng'));
  assert.equal(stats.format, 'pcapng');
  assert.deepEqual(
    new Set(packets.map((p) => `${p.interfaceId}:${p.linkType}`)),
    new Set(['0:1', '1:101']),
  );
  const { flows } = flowsFromCapture(load('two-interfaces.pcapng'));
  // The same conversation seen on both interfaces: counted twice, its bytes kept once.
  const f = byPorts(flows, 40000, 8443);
  assert.equal(f.packetsFwd + f.packetsRev, 22);
  assert.equal(text(f.initiatorPayload), 'GET /abcdefghij');
});

test('timestamps agree across microsecond, nanosecond and pcapng resolutions', () => {
  const stamps = ethernetFiles.map(([name]) =>
    readCapture(load(name)).packets.map((p) => p.timestampMs),
  );
  for (const s of stamps.slice(1)) {
    assert.equal(s.length, stamps[0]!.length);
    s.forEach((t, i) => assert.ok(Math.abs(t - stamps[0]![i]!) < 0.001, `packet ${i}: ${t}`));
  }
});

for (const name of ['tcpdump-any-sll2.pcap', 'tcpdump-any-sll.pcap', 'tcpdump-lo-nsec.pcap']) {
  test(`${name}: a real loopback exchange captured by tcpdump`, () => {
    const { flows, stats } = flowsFromCapture(load(name));
    assert.deepEqual(stats.rejected, {});
    assert.equal(flows.length, 1);
    const f = flows[0]!;
    assert.equal(f.srcAddr, '127.0.0.1');
    assert.equal(f.dstPort, 45811);
    assert.equal(f.initiatorKnown, true);
    assert.equal(f.packetsFwd + f.packetsRev, 10);
    assert.equal(text(f.initiatorPayload), 'real-initiator-bytes');
    assert.equal(text(f.responderPayload), 'real-responder-bytes');
    assert.equal(f.tcpFlagsFwd & 0x02, 0x02);
  });
}
