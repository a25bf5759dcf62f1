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
} from '../../../libs/decoders/test/flow-export/builders.js';
import { PAYLOAD_FIELDS, PLAIN_FIELDS, tcpFlowRecord } from './ipfix-fixture.js';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));

const T0 = Date.UTC(2026, 10, 1);

function flow(src: string, srcPort: number, dstPort: number, payload: Uint8Array, at: number) {
  return tcpFlowRecord({ src, srcPort, dstPort, startMs: at, payload });
}

test('analyze reads an IPFIX file: payload sections are judged, flows without them are insufficient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-ipfix-'));
  const file = join(dir, 'export.ipfix');
  const http = new TextEncoder().encode('GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n');
  const messages = [
    ipfixMessage(1, T0 / 1000, [
      ipfixTemplateSet([
        { id: 256, fields: PAYLOAD_FIELDS },
        { id: 257, fields: PLAIN_FIELDS },
      ]),
      dataSet(256, [flow('10.1.2.3', 41000, 4444, randomBytes(600), T0)]),
    ]),
    ipfixMessage(
      1,
      T0 / 1000 + 1,
      [
        dataSet(256, [flow('10.1.2.4', 41001, 80, http, T0 + 1000)]),
        dataSet(257, [
          tcpFlowRecord({ src: '10.1.2.5', srcPort: 41002, dstPort: 9999, startMs: T0 + 2000 }),
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
    ipfixTemplateSet([{ id: 256, fields: PAYLOAD_FIELDS }]),
    dataSet(256, [flow('10.1.2.3', 41000, 4444, randomBytes(300), T0)]),
  ]);
  writeFileSync(file, Buffer.concat([whole, whole.subarray(0, 40)]));
  const r = spawnSync(process.execPath, [bin, 'analyze', '--all', '--format', 'jsonl', file], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `stopped reading at byte ${whole.length} \\(truncated: a message claims ${whole.length} bytes but only 40 remain\\): 40 bytes left unread, 1 message read before it`,
    ),
  );
});
