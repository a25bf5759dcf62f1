import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
} from '../../../libs/decoders/test/flow-export/builders.js';
import { PAYLOAD_FIELDS, tcpFlowRecord } from './ipfix-fixture.js';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));

test('start runs the embedded pipeline: an IPFIX export of an opaque flow becomes a detection on stdout', async () => {
  // 25.5 days: past setTimeout's 2^31 ms, which used to fire at once and stop start.
  const child = spawn(
    process.execPath,
    [
      bin,
      'start',
      '--api-port',
      '0',
      '--netflow-port',
      'off',
      '--sflow-port',
      'off',
      '--ipfix-port',
      '0',
      '--duration',
      '2200000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /IPFIX udp\/(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`start exited early: ${stderr}`)));
  });

  const now = Date.now();
  const message = ipfixMessage(1, Math.floor(now / 1000), [
    ipfixTemplateSet([{ id: 256, fields: PAYLOAD_FIELDS }]),
    dataSet(256, [
      tcpFlowRecord({
        src: '10.1.2.3',
        srcPort: 41000,
        dstPort: 4444,
        startMs: now - 2000,
        durationMs: 2000,
        payload: randomBytes(600),
      }),
    ]),
  ]);
  const socket = createSocket('udp4');
  socket.send(message, port, '127.0.0.1');

  const deadline = Date.now() + 20_000;
  while (!stdout.includes('\n') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  socket.close();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  const detection = JSON.parse(stdout.split('\n')[0]!) as {
    dstPort: number;
    srcAddr: string;
    verdict: string;
    reasons: { code: string }[];
    attack: { techniques: string[] };
  };
  assert.equal(detection.dstPort, 4444);
  assert.equal(detection.srcAddr, '10.1.2.3');
  assert.equal(detection.verdict, 'opaque');
  const codes = detection.reasons.map((r) => r.code);
  assert.ok(codes.includes('no-key-exchange') && codes.includes('non-standard-port'), codes.join());
  assert.deepEqual(detection.attack.techniques, ['T1573', 'T1571']);
  assert.match(stderr, /stopped after 1 flows, 1 detections/);
});

test('start refuses a bad option with a one-line reason', async () => {
  const child = spawn(process.execPath, [bin, 'start', '--ipfix-port', 'seventy'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.notEqual(code, 0);
  assert.match(stderr, /--ipfix-port must be a port number/);
});

test('start prints totals of datagrams, records, flows and drops by reason on a status line and on stop', async () => {
  const child = spawn(
    process.execPath,
    [
      bin,
      'start',
      '--netflow-port',
      'off',
      '--sflow-port',
      'off',
      '--ipfix-port',
      '0',
      '--status-interval',
      '0.2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /IPFIX udp\/(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`start exited early: ${stderr}`)));
  });
  const now = Date.now();
  const good = ipfixMessage(1, Math.floor(now / 1000), [
    ipfixTemplateSet([{ id: 256, fields: PAYLOAD_FIELDS }]),
    dataSet(256, [
      tcpFlowRecord({
        src: '10.1.2.9',
        srcPort: 41000,
        dstPort: 4444,
        startMs: now - 2000,
        payload: randomBytes(600),
      }),
    ]),
  ]);
  // An IPFIX header whose length runs past the datagram: a decode drop with its reason.
  const bad = Buffer.from(good.subarray(0, 20));
  const socket = createSocket('udp4');
  socket.send(good, port, '127.0.0.1');
  socket.send(bad, port, '127.0.0.1');
  const running =
    /running: 2 datagrams\/messages received, 1 records decoded, 1 flows, 1 detections, 0 queued; drops: .*decode 1.*; by reason: [a-z-]+ 1/;
  const deadline = Date.now() + 20_000;
  while (!running.test(stderr) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  socket.close();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, running);
  assert.match(
    stderr,
    /stopped after 1 flows, 1 detections; totals: 2 datagrams\/messages received, 1 records decoded, 1 flows, 1 detections, 0 queued; drops: socket 0, decode 1, template-missing 0, queue-full 0; by reason: [a-z-]+ 1; state: \d+ aggregates.*; kernel: [\d,]+ receive-buffer drops on our sockets, [\d,]+ UDP RcvbufErrors and [\d,]+ InErrors host-wide\n/,
  );
  assert.equal(stdout.trim().split('\n').length, 1);
});
