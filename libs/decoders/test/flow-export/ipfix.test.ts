import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlowExportDecoder,
  flowsFromIpfixFile,
  yafEntropyBits,
} from '../../src/flow-export/index.js';
import {
  dataSet,
  ethernetFrame,
  ipfixMessage,
  ipfixTemplateSet,
  ipfixWithdrawal,
  ipv4Packet,
  ipv6Packet,
  record,
  set,
  tcpSegment,
  udpDatagram,
  type FieldSpec,
} from './builders.js';

const EXPORTER = '192.0.2.1';
const T0 = 1_700_000_000;

const basic: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 6, length: 1 },
  { id: 1, length: 8 },
  { id: 2, length: 4 },
  { id: 152, length: 8 },
  { id: 153, length: 8 },
];
const basicValues = (srcPort: number) => [
  '10.0.0.1',
  '10.0.0.2',
  srcPort,
  8443,
  6,
  0x1b,
  5000,
  12,
  T0 * 1000 + 5,
  T0 * 1000 + 900,
];

test('template and data in one message decode to a flow with every field', () => {
  const d = new FlowExportDecoder();
  const msg = ipfixMessage(7, T0, [
    ipfixTemplateSet([{ id: 256, fields: basic }]),
    dataSet(256, [record(basic, basicValues(40000)), record(basic, basicValues(40001))], 3),
  ]);
  const r = d.decode(msg, EXPORTER);
  assert.equal(r.rejected, null);
  assert.equal(r.protocol, 'ipfix');
  assert.deepEqual(r.setRejects, []);
  assert.equal(r.records.length, 2);
  const f = r.records[0]!;
  assert.equal(f.source, 'ipfix');
  assert.equal(f.exporter, EXPORTER);
  assert.equal(f.observationDomain, 7);
  assert.equal(f.samplingRate, 1);
  assert.equal(f.srcAddr, '10.0.0.1');
  assert.equal(f.dstAddr, '10.0.0.2');
  assert.equal(f.srcPort, 40000);
  assert.equal(f.dstPort, 8443);
  assert.equal(f.transport, 'tcp');
  assert.equal(f.bytesFwd, 5000);
  assert.equal(f.packetsFwd, 12);
  assert.equal(f.tcpFlagsFwd, 0x1b);
  assert.equal(f.startMs, T0 * 1000 + 5);
  assert.equal(f.endMs, T0 * 1000 + 900);
  assert.equal(f.initiatorKnown, false);
  assert.equal(f.initiatorPayload, null);
  assert.equal(f.responderPayload, null);
  assert.equal(f.exporterEvidence, null);
  assert.match(f.flowId, /^[0-9a-f]{32}$/);
  assert.notEqual(f.flowId, r.records[1]!.flowId);
  // Same export decoded again: same ids.
  assert.equal(new FlowExportDecoder().decode(msg, EXPORTER).records[0]!.flowId, f.flowId);
});

test('data before its template is counted as template-missing, then decodes once learned', () => {
  const d = new FlowExportDecoder();
  const data = ipfixMessage(1, T0, [dataSet(300, [record(basic, basicValues(1))])]);
  const first = d.decode(data, EXPORTER);
  assert.equal(first.records.length, 0);
  assert.deepEqual(first.setRejects, ['template-missing']);
  assert.deepEqual(first.missing, [{ protocol: 'ipfix', observationDomain: 1, templateId: 300 }]);
  d.decode(ipfixMessage(1, T0, [ipfixTemplateSet([{ id: 300, fields: basic }])]), EXPORTER);
  assert.equal(d.decode(data, EXPORTER).records.length, 1);
  // Templates are per observation domain and per exporter.
  assert.equal(
    d.decode(ipfixMessage(2, T0, [dataSet(300, [record(basic, basicValues(1))])]), EXPORTER).records
      .length,
    0,
  );
  assert.equal(d.decode(data, '192.0.2.99').records.length, 0);
  assert.equal(d.stats().rejects['template-missing'], 3);
});

test('withdrawal removes one template or all of a domain; refresh replaces the layout', () => {
  const d = new FlowExportDecoder();
  const t = (id: number) => ipfixTemplateSet([{ id, fields: basic }]);
  d.decode(ipfixMessage(1, T0, [t(256), t(257)]), EXPORTER);
  assert.equal(d.templates().length, 2);
  d.decode(ipfixMessage(1, T0, [ipfixWithdrawal(256)]), EXPORTER);
  assert.deepEqual(
    d.templates().map((x) => x.templateId),
    [257],
  );
  d.decode(ipfixMessage(1, T0, [ipfixWithdrawal(2)]), EXPORTER);
  assert.equal(d.templates().length, 0);
  assert.equal(d.stats().templatesWithdrawn, 2);

  const short: FieldSpec[] = [
    { id: 8, length: 4 },
    { id: 12, length: 4 },
    { id: 7, length: 2 },
  ];
  d.decode(ipfixMessage(1, T0, [t(258)]), EXPORTER);
  d.decode(ipfixMessage(1, T0, [ipfixTemplateSet([{ id: 258, fields: short }])]), EXPORTER);
  const r = d.decode(
    ipfixMessage(1, T0, [dataSet(258, [record(short, ['1.1.1.1', '2.2.2.2', 99])])]),
    EXPORTER,
  );
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.srcPort, 99);
  assert.equal(r.records[0]!.startMs, T0 * 1000, 'no time fields: export time');
});

test('sampling rate comes from options records, per selector, and a per-exporter override wins', () => {
  const d = new FlowExportDecoder({ samplingOverrides: { '198.51.100.9': 50 } });
  const optionFields: FieldSpec[] = [
    { id: 302, length: 4 }, // selectorId (scope)
    { id: 305, length: 4 }, // samplingPacketInterval
    { id: 306, length: 4 }, // samplingPacketSpace
  ];
  const flowFields: FieldSpec[] = [...basic, { id: 302, length: 4 }];
  const msg = ipfixMessage(3, T0, [
    ipfixTemplateSet([{ id: 400, fields: optionFields, scopeCount: 1 }], true),
    ipfixTemplateSet([{ id: 401, fields: flowFields }]),
    dataSet(400, [record(optionFields, [9, 1, 99])]),
    dataSet(401, [
      record(flowFields, [...basicValues(1), 9]),
      record(flowFields, [...basicValues(2), 4]),
    ]),
  ]);
  const r = d.decode(msg, EXPORTER);
  assert.equal(r.records.length, 2);
  assert.equal(r.records[0]!.samplingRate, 100, '1 sampled then 99 skipped: 1 in 100');
  assert.equal(r.records[1]!.samplingRate, 1, 'unknown selector: unsampled');
  const random: FieldSpec[] = [
    { id: 149, length: 4 },
    { id: 50, length: 4 },
  ];
  const r2 = d.decode(
    ipfixMessage(3, T0, [
      ipfixTemplateSet([{ id: 402, fields: random, scopeCount: 1 }], true),
      dataSet(402, [record(random, [3, 2000])]),
      dataSet(401, [record(flowFields, [...basicValues(2), 4])]),
    ]),
    EXPORTER,
  );
  assert.equal(r2.records[0]!.samplingRate, 2000, 'domain-wide samplerRandomInterval');
  const r3 = d.decode(msg, '198.51.100.9');
  assert.equal(r3.records[0]!.samplingRate, 50);
  assert.equal(r3.records[1]!.samplingRate, 50);
});

test('RFC 5103 biflow: reverse elements fill rev counters, biflowDirection 2 swaps ends', () => {
  const fields: FieldSpec[] = [
    ...basic,
    { id: 1, length: 8, enterprise: 29305 },
    { id: 2, length: 4, enterprise: 29305 },
    { id: 6, length: 1, enterprise: 29305 },
    { id: 239, length: 1 },
  ];
  const d = new FlowExportDecoder();
  const msg = ipfixMessage(1, T0, [
    ipfixTemplateSet([{ id: 256, fields }]),
    dataSet(256, [
      record(fields, [...basicValues(5555), 70000, 60, 0x12, 1]),
      record(fields, [...basicValues(5556), 70000, 60, 0x12, 2]),
      record(fields, [...basicValues(5557), 70000, 60, 0x12, 0]),
    ]),
  ]);
  const [a, b, c] = d.decode(msg, EXPORTER).records;
  assert.ok(a && b && c);
  assert.equal(a.bytesRev, 70000);
  assert.equal(a.packetsRev, 60);
  assert.equal(a.tcpFlagsRev, 0x12);
  assert.equal(a.initiatorKnown, true);
  assert.equal(b.srcAddr, '10.0.0.2');
  assert.equal(b.srcPort, 8443);
  assert.equal(b.dstPort, 5556);
  assert.equal(b.bytesFwd, 70000);
  assert.equal(b.bytesRev, 5000);
  assert.equal(b.tcpFlagsFwd, 0x12);
  assert.equal(b.initiatorKnown, true);
  assert.equal(c.initiatorKnown, false, 'arbitrary direction');
});

test('YAF payload, reversePayload and entropy become payload prefixes and exporter evidence', () => {
  const fields: FieldSpec[] = [
    ...basic,
    { id: 9999, length: 65535, enterprise: 32473 }, // an unknown enterprise element: skipped
    { id: 18, length: 65535, enterprise: 6871 },
    { id: 16402, length: 65535, enterprise: 6871 },
    { id: 35, length: 1, enterprise: 6871 },
    { id: 16419, length: 1, enterprise: 6871 },
  ];
  const fwd = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255);
  const rev = new TextEncoder().encode('HTTP/1.1 200 OK\r\n');
  const d = new FlowExportDecoder({ maxPayloadBytes: 256 });
  const r = d.decode(
    ipfixMessage(1, T0, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [record(fields, [...basicValues(1), new Uint8Array(400), fwd, rev, 250, 140])]),
    ]),
    EXPORTER,
  );
  const f = r.records[0]!;
  assert.deepEqual(f.initiatorPayload, fwd.subarray(0, 256));
  assert.deepEqual(f.responderPayload, rev);
  assert.deepEqual(f.exporterEvidence, {
    initiatorEntropy: 250 / 32,
    responderEntropy: 140 / 32,
    initiatorByteDistribution: null,
    element: 'yaf:payloadEntropy',
  });
  assert.equal(yafEntropyBits(255), 7.96875);
});

test('packet sections 313/314/315 (RFC 5477) yield the transport payload prefix', () => {
  const payload = new TextEncoder().encode('\x16\x03\x01hello-bytes');
  const seg = tcpSegment(40000, 8443, 0x18, payload);
  const withSection = (id: number, enterprise = 0): FieldSpec[] => [
    ...basic,
    { id, length: 65535, enterprise },
  ];
  const cases: [FieldSpec[], Uint8Array, Uint8Array | null][] = [
    // ipHeaderPacketSection: the IP header, then as much of the packet as the exporter kept.
    [withSection(313), ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg), payload],
    [withSection(313), ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg).subarray(0, 20 + 10), null],
    // ipPayloadPacketSection: what follows the IP header (the transport header first).
    [withSection(314), seg, payload],
    [withSection(315), ethernetFrame(ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg), 42), payload],
    [
      withSection(315),
      ethernetFrame(ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg)).subarray(0, 40),
      null,
    ],
    [withSection(313), ipv6Packet('2001:db8::1', '2001:db8::2', 6, seg), payload],
  ];
  for (const [fields, section, expected] of cases) {
    const d = new FlowExportDecoder();
    const r = d.decode(
      ipfixMessage(1, T0, [
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, [record(fields, [...basicValues(1), section])]),
      ]),
      EXPORTER,
    );
    assert.deepEqual(r.records[0]!.initiatorPayload, expected);
    assert.equal(r.records[0]!.responderPayload, null);
    assert.equal(r.records[0]!.exporterEvidence, null);
  }
  // The reverse direction's payload section (29305, 314) on a UDP biflow.
  const fields: FieldSpec[] = [...basic, { id: 314, length: 65535, enterprise: 29305 }];
  const r = new FlowExportDecoder().decode(
    ipfixMessage(1, T0, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [
        record(fields, [
          ...basicValues(1).map((v, i) => (i === 4 ? 17 : v)),
          udpDatagram(53, 1, payload),
        ]),
      ]),
    ]),
    EXPORTER,
  );
  assert.deepEqual(r.records[0]!.responderPayload, payload);
});

test('IPv6 flows with delta-microsecond times', () => {
  const fields: FieldSpec[] = [
    { id: 27, length: 16 },
    { id: 28, length: 16 },
    { id: 7, length: 2 },
    { id: 11, length: 2 },
    { id: 4, length: 1 },
    { id: 85, length: 8 },
    { id: 86, length: 8 },
    { id: 158, length: 4 },
    { id: 159, length: 4 },
  ];
  const r = new FlowExportDecoder().decode(
    ipfixMessage(1, T0, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [
        record(fields, ['2001:db8::1', 'fe80::1:0:0:2', 1, 2, 17, 10, 1, 2_000_000, 500_000]),
      ]),
    ]),
    EXPORTER,
  );
  const f = r.records[0]!;
  assert.equal(f.ipVersion, 6);
  assert.equal(f.srcAddr, '2001:db8::1');
  assert.equal(f.dstAddr, 'fe80::1:0:0:2');
  assert.equal(f.startMs, T0 * 1000 - 2000);
  assert.equal(f.endMs, T0 * 1000 - 500);
});

test('one exporter or domain sending many template ids evicts only its own templates', () => {
  // Defaults: the bound a user gets. Exporter A domain 1 and exporter B domain 1 each learn
  // a template; then 1,000 template ids arrive from A's domain 2 and from a third exporter.
  const d = new FlowExportDecoder();
  const other = '192.0.2.2';
  const flooder = '198.51.100.66';
  const learn = (exporter: string, domain: number, id: number) =>
    d.decode(ipfixMessage(domain, T0, [ipfixTemplateSet([{ id, fields: basic }])]), exporter);
  learn(EXPORTER, 1, 256);
  learn(other, 1, 256);
  for (let id = 300; id < 1300; id++) {
    learn(EXPORTER, 2, id);
    learn(flooder, 7, id);
  }
  for (const exporter of [EXPORTER, other]) {
    const r = d.decode(
      ipfixMessage(1, T0, [dataSet(256, [record(basic, basicValues(4242))])]),
      exporter,
    );
    assert.equal(r.records.length, 1, `${exporter}: its template survived the flood`);
    assert.equal(r.records[0]!.srcPort, 4242);
  }
  // The floods were bounded and counted where they happened.
  assert.equal(d.maxTemplatesHeld(), 512);
  assert.equal(d.stats().templateEvictions, 2 * (1000 - 512));
});

test('the template total is bounded: the exporter holding the most gives way', () => {
  const d = new FlowExportDecoder({ maxTemplates: 8, maxTemplatesPerDomain: 6 });
  const learn = (exporter: string, id: number) =>
    d.decode(ipfixMessage(1, T0, [ipfixTemplateSet([{ id, fields: basic }])]), exporter);
  for (let id = 256; id < 262; id++) learn('198.51.100.66', id);
  learn(EXPORTER, 256);
  learn('192.0.2.2', 256);
  learn('192.0.2.3', 256);
  assert.equal(d.templates().length, 8);
  assert.equal(d.stats().templateEvictions, 1);
  const held = d.templates().filter((t) => t.exporter !== '198.51.100.66');
  assert.equal(held.length, 3, 'every small exporter keeps its template');
});

test('the template cache is bounded per exporter and domain, and evictions are counted', () => {
  const d = new FlowExportDecoder({ maxTemplatesPerDomain: 4 });
  for (let id = 256; id < 266; id++) {
    d.decode(ipfixMessage(1, T0, [ipfixTemplateSet([{ id, fields: basic }])]), EXPORTER);
  }
  assert.equal(d.maxTemplatesHeld(), 4);
  assert.equal(d.stats().templateEvictions, 6);
  assert.deepEqual(
    d.templates().map((t) => t.templateId),
    [262, 263, 264, 265],
  );
});

test('malformed packets are rejected with a specific reason, never thrown', () => {
  const d = new FlowExportDecoder({ allowedExporters: [EXPORTER] });
  const good = ipfixMessage(1, T0, [ipfixTemplateSet([{ id: 256, fields: basic }])]);
  const badLength = good.slice();
  badLength[3] = 200;
  const badSet = ipfixMessage(1, T0, [
    set(256, new Uint8Array(8)).map((v, i) => (i === 3 ? 2 : v)),
  ]);
  const badTemplate = ipfixMessage(1, T0, [set(2, Uint8Array.from([0, 5, 0, 1, 0, 8, 0, 4]))]);
  const cases: [Uint8Array, string, string | null][] = [
    [new Uint8Array([0, 10]), EXPORTER, 'truncated-header'],
    [good.subarray(0, 10), EXPORTER, 'truncated-header'],
    [Uint8Array.from([0, 77, 0, 0, 1, 2]), EXPORTER, 'unknown-version'],
    [badLength, EXPORTER, 'bad-message-length'],
    [good, '203.0.113.5', 'exporter-not-allowed'],
  ];
  for (const [bytes, exporter, reason] of cases) {
    assert.equal(d.decode(bytes, exporter).rejected, reason);
  }
  assert.deepEqual(d.decode(badSet, EXPORTER).setRejects, ['bad-set-length']);
  assert.deepEqual(d.decode(badTemplate, EXPORTER).setRejects, ['bad-template']);
  const s = d.stats();
  assert.equal(s.packetsRejected, 5);
  assert.equal(s.rejects['exporter-not-allowed'], 1);
  assert.equal(s.rejects['bad-set-length'], 1);
});

test('flowsFromIpfixFile reads concatenated messages and reports a truncated tail', () => {
  const m1 = ipfixMessage(1, T0, [ipfixTemplateSet([{ id: 256, fields: basic }])]);
  const m2 = ipfixMessage(1, T0, [
    dataSet(256, [record(basic, basicValues(1)), record(basic, basicValues(2))]),
  ]);
  const m3 = ipfixMessage(1, T0, [dataSet(256, [record(basic, basicValues(3))])]);
  const file = new Uint8Array([...m1, ...m2, ...m3, ...m3.subarray(0, 20)]);
  const r = flowsFromIpfixFile(file);
  assert.equal(r.messages, 3);
  assert.equal(r.flows.length, 3);
  assert.equal(r.trailingBytes, 20);
  assert.deepEqual(
    r.flows.map((f) => f.srcPort),
    [1, 2, 3],
  );
  assert.equal(r.flows[0]!.exporter, 'file');
});
