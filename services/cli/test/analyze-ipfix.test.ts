import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
  record,
  tcpSegment,
  type FieldSpec,
} from '../../../libs/decoders/test/flow-export/builders.js';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));

const fields: FieldSpec[] = [
  { id: 8, length: 4 }, // sourceIPv4Address
  { id: 12, length: 4 }, // destinationIPv4Address
  { id: 7, length: 2 }, // sourceTransportPort
  { id: 11, length: 2 }, // destinationTransportPort
  { id: 4, length: 1 }, // protocolIdentifier
  { id: 6, length: 1 }, // tcpControlBits
  { id: 1, length: 8 }, // octetDeltaCount
  { id: 2, length: 4 }, // packetDeltaCount
  { id: 152, length: 8 }, // flowStartMilliseconds
  { id: 153, length: 8 }, // flowEndMilliseconds
  { id: 313, length: 65535 }, // ipPayloadPacketSection
];

const T0 = Date.UTC(2026, 10, 1);

function flow(src: string, srcPort: number, dstPort: number, payload: Uint8Array, at: number) {
  return record(fields, [
    src,
    '198.51.100.7',
    srcPort,
    dstPort,
    6,
    0x1b,
    4000n,
    12,
    BigInt(at),
    BigInt(at + 1500),
    tcpSegment(srcPort, dstPort, 0x18, payload),
  ]);
}

test('analyze reads an IPFIX file: payload sections are judged, flows without them are insufficient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-ipfix-'));
  const file = join(dir, 'export.ipfix');
  const http = new TextEncoder().encode('GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n');
  const noPayloadFields = fields.slice(0, -1);
  const messages = [
    ipfixMessage(1, T0 / 1000, [
      ipfixTemplateSet([
        { id: 256, fields },
        { id: 257, fields: noPayloadFields },
      ]),
      dataSet(256, [flow('10.1.2.3', 41000, 4444, randomBytes(600), T0)]),
    ]),
    ipfixMessage(
      1,
      T0 / 1000 + 1,
      [
        dataSet(256, [flow('10.1.2.4', 41001, 80, http, T0 + 1000)]),
        dataSet(257, [
          record(noPayloadFields, [
            '10.1.2.5',
            '198.51.100.7',
            41002,
            9999,
            6,
            0x1b,
            4000n,
            12,
            BigInt(T0 + 2000),
            BigInt(T0 + 3000),
          ]),
        ]),
      ],
      1,
    ),
  ];
  writeFileSync(file, Buffer.concat(messages));

  const r = spawnSync(process.execPath, [bin, 'analyze', '--all', '--format', 'jsonl', file], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const byPort = new Map(rows.map((row) => [row.dstPort, row]));
  assert.equal(rows.length, 3);
  assert.equal(byPort.get(4444)?.verdict, 'opaque');
  assert.equal(byPort.get(4444)?.detected, true);
  assert.equal(byPort.get(80)?.verdict, 'plaintext');
  assert.equal(byPort.get(80)?.handshake, 'http');
  assert.equal(byPort.get(80)?.detected, false);
  assert.equal(byPort.get(9999)?.verdict, 'insufficient');
  assert.equal(byPort.get(9999)?.entropy, null);
  assert.equal(byPort.get(9999)?.detected, false);
});

test('a truncated IPFIX file still yields its whole messages and says what was cut', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-ipfix-'));
  const file = join(dir, 'cut.ipfix');
  const whole = ipfixMessage(1, T0 / 1000, [
    ipfixTemplateSet([{ id: 256, fields }]),
    dataSet(256, [flow('10.1.2.3', 41000, 4444, randomBytes(300), T0)]),
  ]);
  writeFileSync(file, Buffer.concat([whole, whole.subarray(0, 40)]));
  const r = spawnSync(process.execPath, [bin, 'analyze', '--all', '--format', 'jsonl', file], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.match(r.stderr, /truncated-message/);
});
