import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowExportDecoder } from '../../src/flow-export/index.js';
import {
  dataSet,
  record,
  v5Packet,
  v9OptionsTemplateFlowSet,
  v9Packet,
  v9TemplateFlowSet,
  type FieldSpec,
} from './builders.js';

const EXPORTER = '192.0.2.7';
const T0 = 1_700_000_000;

test('NetFlow v5 records carry counters, times from sysUptime, engine and sampling', () => {
  const d = new FlowExportDecoder();
  const packet = v5Packet(
    [
      {
        src: '10.1.1.1',
        dst: '10.2.2.2',
        srcPort: 5353,
        dstPort: 53,
        protocol: 17,
        packets: 3,
        bytes: 250,
        firstUptime: 90_000,
        lastUptime: 95_000,
      },
      {
        src: '10.1.1.3',
        dst: '10.2.2.4',
        srcPort: 50000,
        dstPort: 22,
        protocol: 6,
        packets: 30,
        bytes: 4000,
        firstUptime: 99_000,
        lastUptime: 100_000,
        tcpFlags: 0x1a,
      },
    ],
    T0,
    100_000,
    { engineType: 1, engineId: 2, samplingInterval: 64 },
  );
  const r = d.decode(packet, EXPORTER);
  assert.equal(r.protocol, 'netflow5');
  assert.equal(r.records.length, 2);
  const [a, b] = r.records;
  assert.ok(a && b);
  assert.equal(a.source, 'netflow5');
  assert.equal(a.observationDomain, 0x0102);
  assert.equal(a.samplingRate, 64);
  assert.equal(a.transport, 'udp');
  assert.equal(a.startMs, T0 * 1000 - 10_000);
  assert.equal(a.endMs, T0 * 1000 - 5_000);
  assert.equal(b.bytesFwd, 4000);
  assert.equal(b.packetsFwd, 30);
  assert.equal(b.tcpFlagsFwd, 0x1a);
  assert.equal(b.packetsRev, 0);
  assert.equal(b.initiatorPayload, null);
  const truncated = packet.subarray(0, packet.length - 1);
  assert.equal(d.decode(truncated, EXPORTER).rejected, 'truncated-record');
  const zero = packet.slice(0, 24);
  zero[3] = 0;
  assert.equal(d.decode(zero, EXPORTER).rejected, 'bad-record-count');
});

const v9Fields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 1, length: 4 },
  { id: 2, length: 4 },
  { id: 22, length: 4 },
  { id: 21, length: 4 },
  { id: 48, length: 1 },
];

test('NetFlow v9 templates, data and sampler options per source id', () => {
  const d = new FlowExportDecoder();
  const scope: FieldSpec[] = [{ id: 1, length: 4 }]; // scope: system
  const opts: FieldSpec[] = [
    { id: 48, length: 1 }, // FLOW_SAMPLER_ID
    { id: 49, length: 1 }, // FLOW_SAMPLER_MODE
    { id: 50, length: 4 }, // FLOW_SAMPLER_RANDOM_INTERVAL
  ];
  const optionsLayout = [...scope, ...opts];
  const packet = v9Packet(11, T0, 3_600_000, [
    v9TemplateFlowSet([{ id: 260, fields: v9Fields }]),
    v9OptionsTemplateFlowSet(261, scope, opts),
    dataSet(261, [record(optionsLayout, [0, 5, 2, 512])], 2),
    dataSet(260, [
      record(v9Fields, [
        '172.16.0.1',
        '172.16.0.2',
        12345,
        4444,
        6,
        9000,
        9,
        3_590_000,
        3_599_000,
        5,
      ]),
      record(v9Fields, ['172.16.0.3', '172.16.0.4', 1, 2, 17, 100, 1, 3_600_000, 3_600_000, 0]),
    ]),
  ]);
  const r = d.decode(packet, EXPORTER);
  assert.equal(r.rejected, null);
  assert.deepEqual(r.setRejects, []);
  assert.equal(r.records.length, 2);
  const [a, b] = r.records;
  assert.ok(a && b);
  assert.equal(a.source, 'netflow9');
  assert.equal(a.observationDomain, 11);
  assert.equal(a.samplingRate, 512);
  assert.equal(b.samplingRate, 1);
  assert.equal(a.startMs, T0 * 1000 - 10_000);
  assert.equal(a.endMs, T0 * 1000 - 1_000);
  assert.equal(a.bytesFwd, 9000);
  assert.equal(d.stats().recordsSkipped, 1, 'the options record is not a flow');
  assert.equal(d.templates().length, 2);
  assert.equal(d.templates().find((t) => t.templateId === 261)?.options, true);

  // Another source id on the same exporter has its own templates.
  const other = v9Packet(12, T0, 3_600_000, [
    dataSet(260, [record(v9Fields, ['1.1.1.1', '2.2.2.2', 1, 2, 6, 1, 1, 0, 0, 0])]),
  ]);
  const missing = d.decode(other, EXPORTER);
  assert.deepEqual(missing.missing, [
    { protocol: 'netflow9', observationDomain: 12, templateId: 260 },
  ]);
});

test('NetFlow v9 uptime arithmetic survives the 32-bit wrap', () => {
  const d = new FlowExportDecoder();
  const fields = v9Fields.slice(0, 9);
  const first = 0xffff_f000; // 4096 ms before the wrap
  const packet = v9Packet(1, T0, 1000, [
    v9TemplateFlowSet([{ id: 300, fields }]),
    dataSet(300, [record(fields, ['1.1.1.1', '2.2.2.2', 1, 2, 6, 1, 1, first, 500])]),
  ]);
  const f = d.decode(packet, EXPORTER).records[0]!;
  assert.equal(f.startMs, T0 * 1000 - 5096);
  assert.equal(f.endMs, T0 * 1000 - 500);
});

test('NetFlow v9 rejects bad flowset lengths and variable-length fields', () => {
  const d = new FlowExportDecoder();
  const p = v9Packet(1, T0, 0, [v9TemplateFlowSet([{ id: 256, fields: v9Fields }])]);
  const broken = p.slice();
  broken[23] = 2; // flowset length 2 < 4
  assert.deepEqual(d.decode(broken, EXPORTER).setRejects, ['bad-set-length']);
  const varLen = v9Packet(1, T0, 0, [
    v9TemplateFlowSet([{ id: 256, fields: [{ id: 8, length: 65535 }] }]),
  ]);
  assert.deepEqual(d.decode(varLen, EXPORTER).setRejects, ['bad-template']);
  assert.equal(d.decode(p.subarray(0, 19), EXPORTER).rejected, 'truncated-header');
});
