import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { MemoryTemplateStore } from '@opaqueflow/decoders';
import {
  FlowExportListeners,
  createTemplateEndpoint,
  type ListenerMeter,
} from '../../src/listeners/index.js';
import {
  dataSet,
  ethernetFrame,
  ipfixMessage,
  ipfixTemplateSet,
  ipv4Packet,
  record,
  set,
  sflowDatagram,
  udpDatagram,
  v5Packet,
  type FieldSpec,
} from '../../../../libs/decoders/test/flow-export/builders.js';

const fields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 2, length: 4 },
  { id: 1, length: 4 },
];

async function sendUdp(port: number, packets: Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  for (const p of packets) {
    await new Promise<void>((resolve, reject) =>
      s.send(p, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
  }
  s.close();
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ephemeral = {
  host: '127.0.0.1',
  netflowPort: 0,
  ipfixUdpPort: 0,
  ipfixTcpPort: 0,
  sflowPort: 0,
  udpReceiveBufferBytes: 1 << 20,
};

test('UDP NetFlow, IPFIX and sFlow plus TCP IPFIX reach onRecords; templates are served', async () => {
  const flows: FlowRecord[] = [];
  const l = new FlowExportListeners({ ...ephemeral, onRecords: (r) => void flows.push(...r) });
  const ports = await l.start();
  const endpoint = createTemplateEndpoint({ templates: () => l.templates() });
  try {
    await sendUdp(ports.netflow!, [
      v5Packet(
        [
          {
            src: '10.0.0.1',
            dst: '10.0.0.2',
            srcPort: 1,
            dstPort: 2,
            protocol: 17,
            packets: 1,
            bytes: 60,
            firstUptime: 0,
            lastUptime: 0,
          },
        ],
        1_700_000_000,
        0,
      ),
    ]);
    await sendUdp(ports.ipfixUdp!, [
      ipfixMessage(4, 1_700_000_000, [
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, [record(fields, ['10.1.0.1', '10.1.0.2', 3, 4, 6, 5, 500])]),
      ]),
    ]);
    await sendUdp(ports.sflow!, [
      sflowDatagram('127.0.0.1', 0, [
        {
          samplingRate: 10,
          frame: ethernetFrame(
            ipv4Packet('10.2.0.1', '10.2.0.2', 17, udpDatagram(5, 6, new Uint8Array(8))),
          ),
        },
      ]),
    ]);
    // TCP: two messages written byte-split across writes.
    const tcpStream = new Uint8Array([
      ...ipfixMessage(9, 1_700_000_000, [ipfixTemplateSet([{ id: 300, fields }])]),
      ...ipfixMessage(9, 1_700_000_000, [
        dataSet(300, [record(fields, ['10.3.0.1', '10.3.0.2', 7, 8, 6, 1, 40])]),
      ]),
    ]);
    const conn = connect(ports.ipfixTcp!, '127.0.0.1');
    await once(conn, 'connect');
    conn.write(tcpStream.subarray(0, 21));
    await new Promise((r) => setTimeout(r, 20));
    conn.end(tcpStream.subarray(21));
    await until(() => flows.length >= 3);
    assert.deepEqual(flows.map((f) => [f.source, f.srcAddr]).sort(), [
      ['ipfix', '10.1.0.1'],
      ['ipfix', '10.3.0.1'],
      ['netflow5', '10.0.0.1'],
    ]);
    assert.equal(flows.find((f) => f.srcAddr === '10.1.0.1')?.exporter, '127.0.0.1');

    endpoint.listen(0, '127.0.0.1');
    await once(endpoint, 'listening');
    const { port } = endpoint.address() as AddressInfo;
    const body = (await (await fetch(`http://127.0.0.1:${port}/templates`)).json()) as {
      exporters: { exporter: string; domains: { observationDomain: number }[] }[];
    };
    assert.deepEqual(
      body.exporters.map((e) => [e.exporter, e.domains.map((d) => d.observationDomain).sort()]),
      [['127.0.0.1', [4, 9]]],
    );
    assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
  } finally {
    endpoint.close();
    await l.close();
  }
  // Closing emits the open sFlow flow, scaled by its sampling rate.
  const s = flows.find((f) => f.source === 'sflow');
  assert.equal(s?.packetsFwd, 10);
  assert.equal(l.stats().records, 4);
});

/** A meter that keeps what was added, per counter name and label set. */
function recordingMeter(): { meter: ListenerMeter; added: Map<string, number> } {
  const added = new Map<string, number>();
  const meter = {
    createCounter: (name: string) => ({
      add: (v: number, attrs?: Record<string, unknown>) => {
        const key = `${name}${JSON.stringify(attrs ?? {})}`;
        added.set(key, (added.get(key) ?? 0) + v);
      },
    }),
  } as unknown as ListenerMeter;
  return { meter, added };
}

test('drops are counted by stage: decode, template-missing, queue-full', async () => {
  const { meter, added } = recordingMeter();
  let release: () => void = () => undefined;
  const blocked = new Promise<void>((r) => (release = r));
  let delivered = 0;
  const l = new FlowExportListeners({
    ...ephemeral,
    queueCapacity: 2,
    meter,
    onRecords: async (r) => {
      delivered += r.length;
      await blocked;
    },
  });
  const ports = await l.start();
  try {
    const withTemplate = ipfixMessage(1, 0, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [record(fields, ['1.1.1.1', '2.2.2.2', 1, 2, 6, 1, 1])]),
    ]);
    await sendUdp(ports.ipfixUdp!, [withTemplate]);
    await until(() => delivered === 1);
    // The consumer is now stuck in onRecords: the queue fills and the rest is dropped.
    const burst = [
      Uint8Array.from([1, 2, 3, 4, 5]),
      ipfixMessage(1, 0, [dataSet(999, [new Uint8Array(20)])]),
      ...Array.from({ length: 20 }, () => withTemplate),
    ];
    await sendUdp(ports.ipfixUdp!, burst);
    await until(() => l.stats().packetsReceived === 23);
    assert.equal(l.stats().drops['queue-full'], 20);
    release();
    await l.idle();
    const s = l.stats();
    assert.equal(s.drops.decode, 1);
    assert.equal(s.drops['template-missing'], 1);
    assert.equal(s.decoder.rejects['unknown-version'], 1);
    const drops = 'opaqueflow_ingest_flow_export_drops_total';
    assert.equal(added.get(`${drops}{"stage":"queue-full","reason":"queue-full"}`), 20);
    assert.equal(added.get(`${drops}{"stage":"decode","reason":"unknown-version"}`), 1);
    assert.equal(added.get(`${drops}{"stage":"template-missing","reason":"template-missing"}`), 1);
    assert.equal(
      added.get('opaqueflow_ingest_flow_export_packets_total{"listener":"ipfix_udp"}'),
      23,
    );
    assert.equal(added.get('opaqueflow_ingest_flow_export_records_total{"protocol":"ipfix"}'), 1);
  } finally {
    release();
    await l.close();
  }
});

test('an exporter outside the allowlist is dropped at decode', async () => {
  const flows: FlowRecord[] = [];
  const l = new FlowExportListeners({
    ...ephemeral,
    decoder: { allowedExporters: ['192.0.2.1'] },
    onRecords: (r) => void flows.push(...r),
  });
  const ports = await l.start();
  try {
    await sendUdp(ports.netflow!, [
      v5Packet(
        [
          {
            src: '10.0.0.1',
            dst: '10.0.0.2',
            srcPort: 1,
            dstPort: 2,
            protocol: 6,
            packets: 1,
            bytes: 1,
            firstUptime: 0,
            lastUptime: 0,
          },
        ],
        0,
        0,
      ),
    ]);
    await until(() => l.stats().drops.decode === 1);
    assert.equal(l.stats().decoder.rejects['exporter-not-allowed'], 1);
    assert.equal(flows.length, 0);
  } finally {
    await l.close();
  }
});

test('replicas sharing a template store: a new one decodes data sets at once', async () => {
  const store = new MemoryTemplateStore();
  const flowsA: FlowRecord[] = [];
  const flowsB: FlowRecord[] = [];
  const a = new FlowExportListeners({
    ...ephemeral,
    templateStore: store,
    onRecords: (r) => void flowsA.push(...r),
  });
  const b = new FlowExportListeners({
    ...ephemeral,
    templateStore: store,
    onRecords: (r) => void flowsB.push(...r),
  });
  const pa = await a.start();
  const pb = await b.start();
  try {
    await sendUdp(pa.ipfixUdp!, [
      ipfixMessage(8, 1_700_000_000, [ipfixTemplateSet([{ id: 256, fields }])]),
    ]);
    await until(() => a.templates().length === 1);
    await a.idle();
    // The same exporter (127.0.0.1) now sends only data, to the replica that never saw a template.
    await sendUdp(pb.ipfixUdp!, [
      ipfixMessage(8, 1_700_000_000, [
        dataSet(256, [record(fields, ['10.8.0.1', '10.8.0.2', 1, 2, 17, 1, 99])]),
      ]),
    ]);
    await until(() => flowsB.length === 1);
    assert.equal(flowsB[0]!.srcAddr, '10.8.0.1');
    assert.equal(b.stats().drops['template-missing'], 0);
    assert.equal(b.stats().decoder.templatesFromStore, 1);
    assert.equal(flowsA.length, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

/** A TCP connection to the listener from `localAddress` (any 127/8 address on Linux). */
async function tcpFrom(port: number, localAddress: string) {
  const conn = connect({ port, host: '127.0.0.1', localAddress });
  conn.on('error', () => {});
  await once(conn, 'connect');
  let closed = false;
  conn.once('close', () => (closed = true));
  return { conn, closed: () => closed };
}

/** Until the listener has closed every one of `conns` (bounded, so a failure cannot hang). */
async function closedByListener(conns: { closed: () => boolean }[]): Promise<void> {
  await until(() => conns.every((c) => c.closed()), 10_000);
}

/** A message header claiming 100 bytes, then only 10 of them: stalled mid-message. */
const stalled = ipfixMessage(1, 1_700_000_000, [set(2, new Uint8Array(84))]).subarray(0, 10);

function exporterMessages(srcPort: number): Uint8Array {
  return new Uint8Array([
    ...ipfixMessage(3, 1_700_000_000, [ipfixTemplateSet([{ id: 256, fields }])]),
    ...ipfixMessage(3, 1_700_000_000, [
      dataSet(256, [record(fields, ['10.9.0.1', '10.9.0.2', srcPort, 443, 6, 1, 40])]),
    ]),
  ]);
}

test(
  'idle and stalled IPFIX/TCP connections cannot keep a new exporter out: per-source and total caps',
  { timeout: 30_000 },
  async () => {
    const flows: FlowRecord[] = [];
    const l = new FlowExportListeners({
      ...ephemeral,
      maxTcpConnections: 12,
      maxTcpConnectionsPerSource: 4,
      onRecords: (r) => void flows.push(...r),
    });
    const ports = await l.start();
    const held: Awaited<ReturnType<typeof tcpFrom>>[] = [];
    try {
      // 12 connections from three addresses, half of them stalled mid-message, half idle.
      for (const source of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
        for (let i = 0; i < 4; i++) {
          const c = await tcpFrom(ports.ipfixTcp!, source);
          if (i % 2 === 0) c.conn.write(stalled);
          held.push(c);
        }
      }
      await until(() => l.stats().tcpConnections === 12);
      // A fifth from one address is refused.
      const extra = await tcpFrom(ports.ipfixTcp!, '127.0.0.2');
      await closedByListener([extra]);
      assert.equal(l.stats().dropReasons['tcp-source-limit'], 1);
      // A new exporter at the total cap is served: the longest-idle connection gives way.
      const fresh = await tcpFrom(ports.ipfixTcp!, '127.0.0.9');
      fresh.conn.write(exporterMessages(40001));
      await until(() => flows.length === 1);
      assert.equal(flows[0]!.exporter, '127.0.0.9');
      assert.equal(flows[0]!.srcPort, 40001);
      await closedByListener([held[0]!]);
      const s = l.stats();
      assert.equal(s.dropReasons['tcp-connection-limit'], 1);
      assert.equal(s.tcpConnections, 12);
      assert.equal(s.drops.socket, 2);
      fresh.conn.destroy();
    } finally {
      for (const c of held) c.conn.destroy();
      await l.close();
    }
  },
);

test(
  'idle IPFIX/TCP connections and messages that never complete are closed, each counted by reason',
  { timeout: 30_000 },
  async () => {
    const flows: FlowRecord[] = [];
    const l = new FlowExportListeners({
      ...ephemeral,
      tcpIdleTimeoutMs: 300,
      tcpMessageTimeoutMs: 300,
      onRecords: (r) => void flows.push(...r),
    });
    const ports = await l.start();
    const idle = [];
    const stuck = [];
    let trickle: NodeJS.Timeout | null = null;
    try {
      for (let i = 0; i < 3; i++) idle.push(await tcpFrom(ports.ipfixTcp!, '127.0.0.2'));
      for (let i = 0; i < 2; i++) {
        const c = await tcpFrom(ports.ipfixTcp!, '127.0.0.3');
        c.conn.write(stalled);
        stuck.push(c);
      }
      // A slow sender: never idle, one byte of its message at a time, never complete.
      const slow = await tcpFrom(ports.ipfixTcp!, '127.0.0.4');
      let sent = 0;
      trickle = setInterval(() => {
        if (!slow.conn.destroyed && sent < stalled.length)
          slow.conn.write(stalled.subarray(sent, ++sent));
      }, 40);
      stuck.push(slow);
      await closedByListener([...idle, ...stuck]);
      const s = l.stats();
      assert.equal(s.dropReasons['tcp-idle-timeout'], 3);
      assert.equal(s.dropReasons['tcp-message-timeout'], 3);
      assert.equal(s.tcpConnections, 0);
      // And the listener still serves an exporter that sends.
      const fresh = await tcpFrom(ports.ipfixTcp!, '127.0.0.9');
      fresh.conn.write(exporterMessages(40002));
      await until(() => flows.length === 1);
      assert.equal(flows[0]!.srcPort, 40002);
      fresh.conn.destroy();
    } finally {
      if (trickle !== null) clearInterval(trickle);
      await l.close();
    }
  },
);

test('UDP sockets ask for an 8 MiB receive buffer by default and report what the kernel granted', async () => {
  const l = new FlowExportListeners({
    ...ephemeral,
    udpReceiveBufferBytes: undefined,
    onRecords: () => {},
  });
  const before = l.stats().receiveBuffer;
  assert.deepEqual(before, { requestedBytes: 8 << 20, effectiveBytes: null });
  await l.start();
  try {
    const { receiveBuffer } = l.stats();
    assert.equal(receiveBuffer.requestedBytes, 8 << 20);
    // Linux grants up to net.core.rmem_max and reports twice what it granted.
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    assert.equal(receiveBuffer.effectiveBytes, 2 * Math.min(8 << 20, rmemMax));
  } finally {
    await l.close();
  }
});

test("datagrams the kernel drops for a full receive buffer are counted: the socket's own and host-wide", async () => {
  const l = new FlowExportListeners({
    ...ephemeral,
    netflowPort: null,
    ipfixTcpPort: null,
    sflowPort: null,
    udpReceiveBufferBytes: 4096,
    onRecords: () => {},
  });
  const ports = await l.start();
  try {
    const sent = 400;
    const datagram = ipfixMessage(1, 1_700_000_000, [set(2, new Uint8Array(1000))]);
    // The sender runs while this process is blocked in spawnSync, so nothing reads the
    // socket: past its small buffer the kernel drops what arrives.
    const sender = `
      const s = require('node:dgram').createSocket('udp4');
      const d = Buffer.from('${Buffer.from(datagram).toString('hex')}', 'hex');
      let n = 0;
      const next = () => n++ < ${sent} ? s.send(d, ${ports.ipfixUdp}, '127.0.0.1', next) : s.close();
      next();`;
    const r = spawnSync(process.execPath, ['-e', sender], { stdio: 'ignore' });
    assert.equal(r.status, 0);
    await until(() => {
      const s = l.stats();
      return s.packetsReceived + (s.kernel.socketDrops ?? 0) >= sent;
    }, 10_000);
    const s = l.stats();
    assert.ok((s.kernel.socketDrops ?? 0) > 0, 'the small buffer overflowed');
    assert.equal(s.packetsReceived + s.kernel.socketDrops!, sent, 'each datagram read or dropped');
    assert.ok(
      s.kernel.udpRcvbufErrors! >= s.kernel.socketDrops!,
      'host-wide RcvbufErrors count them',
    );
    assert.ok(s.kernel.udpInErrors! >= s.kernel.udpRcvbufErrors!);
  } finally {
    await l.close();
  }
});
