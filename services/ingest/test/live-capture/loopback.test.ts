import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FlowRecord } from '@opaqueflow/flow-model';
import {
  LiveCapture,
  LiveCaptureError,
  liveCaptureAvailable,
} from '../../src/live-capture/index.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** Live capture needs the native binding and root: say which is missing, never pass silently. */
function requireLiveCapture(): void {
  assert.ok(
    liveCaptureAvailable(),
    'the native cap binding is not installed (scripts/bootstrap.sh --test installs libpcap-dev and a C++ toolchain before pnpm install)',
  );
  assert.ok(isRoot, 'capturing on an interface needs root (or CAP_NET_RAW)');
}

/** One short TCP exchange on 127.0.0.1; resolves with the client's local port. */
async function exchange(server: Server, request: string, reply: string): Promise<number> {
  const port = (server.address() as AddressInfo).port;
  const socket: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const localPort = socket.localPort!;
  socket.write(request);
  await new Promise<void>((resolve, reject) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= reply.length) resolve();
    });
    socket.once('error', reject);
  });
  socket.end();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return localPort;
}

async function echoServer(reply: string): Promise<Server> {
  const server = createServer((s) => {
    s.once('data', () => s.write(reply));
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('live capture on lo sees a TCP connection with its ports and payload prefixes', async () => {
  requireLiveCapture();
  const reply = 'pong from the responder';
  const server = await echoServer(reply);
  const port = (server.address() as AddressInfo).port;
  const flows: FlowRecord[] = [];
  const capture = new LiveCapture({ device: 'lo', filter: `tcp port ${port}`, tickMs: 50 }, (f) =>
    flows.push(f),
  );
  capture.start();
  try {
    const request = 'hello opaqueflow, this is the initiator speaking';
    const clientPort = await exchange(server, request, reply);
    // libpcap delivers asynchronously; give the last FIN/ACKs time to arrive.
    for (let i = 0; i < 40 && capture.stats.framesCaptured < 8; i++) await sleep(50);
    await sleep(100);
    capture.stop();
    assert.equal(capture.state, 'stopped');
    const flow = flows.find((f) => f.srcPort === clientPort && f.dstPort === port);
    assert.ok(flow, `no flow ${clientPort} → ${port} among ${flows.length}`);
    assert.equal(flow.srcAddr, '127.0.0.1');
    assert.equal(flow.dstAddr, '127.0.0.1');
    assert.equal(flow.transport, 'tcp');
    assert.equal(flow.initiatorKnown, true);
    assert.equal(Buffer.from(flow.initiatorPayload ?? []).toString('latin1'), request);
    assert.equal(Buffer.from(flow.responderPayload ?? []).toString('latin1'), reply);
    assert.ok(flow.packetsFwd >= 4, `packetsFwd ${flow.packetsFwd}`);
    assert.ok(flow.packetsRev >= 3, `packetsRev ${flow.packetsRev}`);
    assert.equal(flow.packets[0]?.direction, 'fwd');
    assert.equal(capture.stats.linkType, 1);
    assert.deepEqual(capture.stats.decode.rejected, {});
  } finally {
    capture.stop();
    server.close();
  }
});

test('the snap length cuts frames but IP-length counters stay right', async () => {
  requireLiveCapture();
  const reply = 'x'.repeat(300);
  const server = await echoServer(reply);
  const port = (server.address() as AddressInfo).port;
  const flows: FlowRecord[] = [];
  // Ethernet 14 + IPv4 20 + TCP 32 (timestamps) = 66: 10 payload bytes survive at 76.
  const capture = new LiveCapture(
    { device: 'lo', filter: `tcp port ${port}`, snapLength: 76 },
    (f) => flows.push(f),
  );
  capture.start();
  try {
    const request = 'y'.repeat(200);
    const clientPort = await exchange(server, request, reply);
    for (let i = 0; i < 40 && capture.stats.framesCaptured < 8; i++) await sleep(50);
    await sleep(100);
    capture.stop();
    const flow = flows.find((f) => f.srcPort === clientPort);
    assert.ok(flow);
    assert.ok(capture.stats.framesTruncated >= 2);
    assert.equal(Buffer.from(flow.initiatorPayload ?? []).toString('latin1'), 'y'.repeat(10));
    const payloadFwd = flow.packets
      .filter((p) => p.direction === 'fwd')
      .reduce((n, p) => n + p.payloadSize, 0);
    assert.equal(payloadFwd, 200);
  } finally {
    capture.stop();
    server.close();
  }
});

test('a bad filter or device is a coded error, not a crash', () => {
  requireLiveCapture();
  const bad = new LiveCapture({ device: 'lo', filter: 'tcp port nonsense' }, () => undefined);
  assert.throws(
    () => bad.start(),
    (e: unknown) => e instanceof LiveCaptureError && e.code === 'LIVE_CAPTURE_OPEN_FAILED',
  );
  const missing = new LiveCapture({ device: 'no-such-if0' }, () => undefined);
  assert.throws(() => missing.start(), LiveCaptureError);
});

test('options are validated once with the option named', () => {
  assert.throws(() => new LiveCapture({ device: '' }, () => undefined), /device/);
  assert.throws(
    () => new LiveCapture({ device: 'lo', snapLength: 0 }, () => undefined),
    /snapLength/,
  );
  assert.throws(
    () => new LiveCapture({ device: 'lo', promiscuous: false }, () => undefined),
    /promiscuous/,
  );
  assert.throws(
    () => new LiveCapture({ device: 'lo', flowTable: { maxFlows: -1 } }, () => undefined),
    /maxFlows/,
  );
});
