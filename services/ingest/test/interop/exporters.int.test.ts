import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FlowRecord, FlowSource } from '@opaqueflow/flow-model';
import { flowsFromIpfixFile } from '@opaqueflow/decoders';
import { FlowExportListeners } from '../../src/listeners/index.js';
import { interopCapture } from './capture.js';
import { missingTools, nfdumpDecode, runPmacctd, runSoftflowd, startRelay } from './exporters.js';
import {
  captureTimeRange,
  conversationsOf,
  directedKey,
  packetCount,
  pairOf,
  reverseKey,
  sflowSampleTotals,
  tsharkConversationPairs,
  type Conversation,
} from './referee.js';

// Exporters no one here wrote replay a capture into the ingest listeners; tshark reading
// the same capture is the referee for flows, packets and bytes.
// scripts/bootstrap.sh --test installs them all; a missing one fails the run by name.
const missing = missingTools();

let dir = '';
let pcap = '';
let conversations = new Map<string, Conversation>();
let packets = 0;
let times = { firstMs: 0, lastMs: 0 };

before(async () => {
  if (missing.length > 0)
    throw new Error(
      `interop peers not installed: ${missing.join(', ')} (run scripts/bootstrap.sh --test)`,
    );
  dir = mkdtempSync(join(tmpdir(), 'opaqueflow-interop-'));
  pcap = await interopCapture(dir);
  conversations = conversationsOf(pcap);
  packets = packetCount(pcap);
  times = captureTimeRange(pcap);
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function collect(
  run: (ports: {
    netflow: number;
    ipfixUdp: number;
    ipfixTcp: number;
    sflow: number;
  }) => Promise<void>,
): Promise<{ flows: FlowRecord[]; listeners: FlowExportListeners }> {
  const flows: FlowRecord[] = [];
  const listeners = new FlowExportListeners({
    host: '127.0.0.1',
    netflowPort: 0,
    ipfixUdpPort: 0,
    ipfixTcpPort: 0,
    sflowPort: 0,
    onRecords: (r) => void flows.push(...r),
  });
  const p = await listeners.start();
  try {
    await run({
      netflow: p.netflow!,
      ipfixUdp: p.ipfixUdp!,
      ipfixTcp: p.ipfixTcp!,
      sflow: p.sflow!,
    });
    // Let the last datagrams arrive and drain.
    let seen = -1;
    while (seen !== listeners.stats().packetsReceived) {
      seen = listeners.stats().packetsReceived;
      await sleep(300);
      await listeners.idle();
    }
  } finally {
    await listeners.close();
  }
  return { flows, listeners };
}

interface Totals {
  packets: number;
  bytes: number;
}

/** Packets and bytes per direction of each conversation, as the exported flows tell it. */
function directedTotals(flows: readonly FlowRecord[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  const add = (key: string, packets: number, bytes: number) => {
    if (packets === 0 && bytes === 0) return;
    const t = out.get(key) ?? { packets: 0, bytes: 0 };
    t.packets += packets;
    t.bytes += bytes;
    out.set(key, t);
  };
  for (const f of flows) {
    const key = directedKey(f.protocol, f.srcAddr, f.srcPort, f.dstAddr, f.dstPort);
    add(key, f.packetsFwd, f.bytesFwd);
    add(reverseKey(key), f.packetsRev, f.bytesRev);
  }
  return out;
}

/**
 * Flow times fall within the capture (NetFlow v9 headers carry whole seconds, hence the
 * slack): the exporters' uptime, seconds, milliseconds and delta encodings decode right.
 */
function assertTimesWithinCapture(flows: readonly FlowRecord[], what: string): void {
  for (const f of flows) {
    assert.ok(
      f.startMs >= times.firstMs - 1000 && f.endMs <= times.lastMs + 1000 && f.startMs <= f.endMs,
      `${what}: flow ${new Date(f.startMs).toISOString()}..${new Date(f.endMs).toISOString()} outside the capture`,
    );
  }
}

/** Every direction of every (selected) conversation matches the capture exactly. */
function assertMatchesCapture(
  flows: readonly FlowRecord[],
  source: FlowSource,
  keep: (c: Conversation) => boolean = () => true,
): void {
  assert.ok(flows.length > 0, `no ${source} flows received`);
  for (const f of flows) {
    assert.equal(f.source, source);
    assert.equal(f.exporter, '127.0.0.1');
    assert.equal(f.samplingRate, 1);
  }
  const ours = directedTotals(flows);
  const expected = new Map<string, Totals>();
  for (const c of conversations.values()) {
    if (!keep(c)) continue;
    expected.set(c.key, { packets: c.forward.packets, bytes: c.forward.bytes });
    if (c.reverse.packets > 0) {
      expected.set(reverseKey(c.key), { packets: c.reverse.packets, bytes: c.reverse.bytes });
    }
  }
  assert.deepEqual(
    [...ours.entries()].sort(),
    [...expected.entries()].sort(),
    `${source}: per-direction packets and bytes differ from the capture`,
  );
}

test('the referee agrees with tshark conversation statistics', () => {
  assert.deepEqual(new Set([...conversations.values()].map(pairOf)), tsharkConversationPairs(pcap));
  let total = 0;
  for (const c of conversations.values()) total += c.forward.packets + c.reverse.packets;
  assert.equal(total, packets, 'every packet of the capture is TCP or UDP over IP');
});

for (const [version, port, v4Only] of [
  ['5', 'netflow', true],
  ['9', 'netflow', false],
  ['10', 'ipfixUdp', false],
] as const) {
  test(`softflowd NetFlow/IPFIX v${version} over UDP matches the capture`, async () => {
    const source: FlowSource =
      version === '5' ? 'netflow5' : version === '9' ? 'netflow9' : 'ipfix';
    const { flows, listeners } = await collect((p) =>
      // -a: flow times from the capture's timestamps rather than the replay's wall clock.
      runSoftflowd(pcap, packets, `127.0.0.1:${p[port]}`, [
        '-v',
        version,
        '-a',
        ...(v4Only ? [] : ['-6']),
      ]),
    );
    assertMatchesCapture(flows, source, (c) => !v4Only || c.ipVersion === 4);
    assertTimesWithinCapture(flows, `softflowd v${version}`);
    const s = listeners.stats();
    assert.deepEqual(s.drops, { socket: 0, decode: 0, 'template-missing': 0, 'queue-full': 0 });
    for (const f of flows)
      assert.equal(f.initiatorPayload, null, 'no payload evidence was exported');
  });
}

test('softflowd bidirectional IPFIX (RFC 5103) over TCP matches the capture', async () => {
  const { flows, listeners } = await collect((p) =>
    runSoftflowd(pcap, packets, `127.0.0.1:${p.ipfixTcp}`, [
      '-v',
      '10',
      '-a',
      '-6',
      '-b',
      '-P',
      'tcp',
    ]),
  );
  assertMatchesCapture(flows, 'ipfix');
  assertTimesWithinCapture(flows, 'softflowd biflow');
  // RFC 5103: the biflow's source is the initiator (the sender of the first packet).
  for (const f of flows) {
    const key = directedKey(f.protocol, f.srcAddr, f.srcPort, f.dstAddr, f.dstPort);
    assert.ok(conversations.has(key), `${key} is not the initiator side of a conversation`);
    assert.equal(f.initiatorKnown, true);
  }
  assert.ok(
    flows.some((f) => f.packetsRev > 0),
    'biflows carry reverse counters',
  );
  assert.equal(listeners.stats().drops.decode, 0);
});

test('softflowd IPFIX saved as an RFC 5655 file reads back with flowsFromIpfixFile', async () => {
  let datagrams: Buffer[] = [];
  await collect(async (p) => {
    const relay = await startRelay(p.ipfixUdp);
    await runSoftflowd(pcap, packets, `127.0.0.1:${relay.port}`, ['-v', '10', '-a', '-6']);
    await sleep(300);
    relay.close();
    datagrams = relay.datagrams;
  });
  // An IPFIX file is the messages back to back.
  const file = Buffer.concat(datagrams);
  const result = flowsFromIpfixFile(file, { exporter: '127.0.0.1' });
  assert.equal(result.messages, datagrams.length);
  assert.equal(result.trailingBytes, 0);
  assertMatchesCapture(result.flows, 'ipfix');
  assertTimesWithinCapture(result.flows, 'IPFIX file');
  // A file cut short loses only its last message.
  const cut = flowsFromIpfixFile(file.subarray(0, file.length - 3), { exporter: '127.0.0.1' });
  assert.equal(cut.messages, datagrams.length - 1);
  assert.ok(cut.trailingBytes > 0);
});

/** Per-direction totals of an export as nfdump decodes the very same datagrams. */
async function nfdumpTotals(datagrams: Buffer[]): Promise<Map<string, Totals>> {
  const referee = new Map<string, Totals>();
  for (const r of await nfdumpDecode(datagrams)) {
    const t = referee.get(r.key) ?? { packets: 0, bytes: 0 };
    t.packets += r.packets;
    t.bytes += r.bytes;
    referee.set(r.key, t);
  }
  assert.ok(referee.size > 0, 'nfdump decoded nothing');
  return referee;
}

function assertTotals(
  flows: readonly FlowRecord[],
  referee: Map<string, Totals>,
  what: string,
): void {
  assert.deepEqual(
    [...directedTotals(flows).entries()].sort(),
    [...referee.entries()].sort(),
    what,
  );
}

test('pmacctd nfprobe (NetFlow v9, IPFIX) and sfprobe (sFlow) match the capture', async () => {
  const relays: Awaited<ReturnType<typeof startRelay>>[] = [];
  const { flows, listeners } = await collect(async (p) => {
    relays.push(
      await startRelay(p.netflow),
      await startRelay(p.ipfixUdp),
      await startRelay(p.sflow),
    );
    await runPmacctd(
      pcap,
      {
        netflow9: `127.0.0.1:${relays[0]!.port}`,
        ipfix: `127.0.0.1:${relays[1]!.port}`,
        sflow: `127.0.0.1:${relays[2]!.port}`,
      },
      () => relays.reduce((n, r) => n + r.datagrams.length, 0),
    );
    await sleep(300);
    for (const r of relays) r.close();
  });
  // nfprobe: every conversation of the capture is exported, and every record decodes as
  // nfdump decodes it. (pmacctd's own counts of a replayed file vary a little from run to
  // run, so its export, not the capture, is the referee for counters.)
  const pairs = new Set([...conversations.values()].map(pairOf));
  for (const [source, relay] of [
    ['netflow9', relays[0]!],
    ['ipfix', relays[1]!],
  ] as const) {
    const exported = flows.filter((f) => f.source === source);
    assert.ok(exported.length > 0, `no ${source} flows`);
    const seen = new Set(
      exported.map((f) =>
        pairOf({
          key: directedKey(f.protocol, f.srcAddr, f.srcPort, f.dstAddr, f.dstPort),
        } as Conversation),
      ),
    );
    assert.deepEqual(seen, pairs, `${source}: the conversations exported`);
    const referee = await nfdumpTotals(relay.datagrams);
    assertTotals(exported, referee, `${source}: flows as nfdump decodes the same export`);
    assertTimesWithinCapture(exported, `pmacctd ${source}`);
  }
  // sfprobe: the assembled flows count exactly the packet headers tshark dissects in the
  // same sFlow datagrams (1 in 1 sampling), per direction of each address pair.
  const sflow = flows.filter((f) => f.source === 'sflow');
  assert.ok(sflow.length > 0, 'no sflow flows');
  const byPair = new Map<string, Totals>();
  const add = (key: string, packets: number, bytes: number) => {
    if (packets === 0) return;
    const t = byPair.get(key) ?? { packets: 0, bytes: 0 };
    t.packets += packets;
    t.bytes += bytes;
    byPair.set(key, t);
  };
  for (const f of sflow) {
    assert.equal(f.exporter, '127.0.0.1');
    assert.equal(f.samplingRate, 1);
    add(`${f.srcAddr}|${f.dstAddr}`, f.packetsFwd, f.bytesFwd);
    add(`${f.dstAddr}|${f.srcAddr}`, f.packetsRev, f.bytesRev);
  }
  assert.deepEqual(
    [...byPair.entries()].sort(),
    [...sflowSampleTotals(relays[2]!.datagrams, dir).entries()].sort(),
    'sflow: counters as tshark dissects the same sFlow datagrams',
  );
  // sFlow carries packet headers: the payload prefix is the capture's own bytes.
  let withPayload = 0;
  for (const f of sflow) {
    const key = directedKey(f.protocol, f.srcAddr, f.srcPort, f.dstAddr, f.dstPort);
    const c = conversations.get(key) ?? conversations.get(reverseKey(key));
    assert.ok(c !== undefined);
    const initiatorIsForward = c.key === key;
    const fwd = initiatorIsForward ? c.forward : c.reverse;
    const rev = initiatorIsForward ? c.reverse : c.forward;
    for (const [ours, theirs] of [
      [f.initiatorPayload, fwd.firstPayload],
      [f.responderPayload, rev.firstPayload],
    ] as const) {
      if (theirs === null) {
        assert.equal(ours, null, 'no payload in the capture: none invented');
        continue;
      }
      assert.ok(ours !== null && ours.length > 0, 'the payload prefix was sampled');
      assert.deepEqual(Buffer.from(ours), theirs.subarray(0, ours.length));
      withPayload++;
    }
  }
  assert.ok(withPayload > 0);
  assert.equal(listeners.stats().drops['template-missing'], 0);
});
