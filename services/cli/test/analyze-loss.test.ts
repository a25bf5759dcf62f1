import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipv4, pcapFile, udp } from '../../../libs/decoders/test/capture/frames.js';
import { jsonl, run } from './cli.js';

const LINKTYPE_RAW = 101;
const T0 = Date.UTC(2026, 2, 1);
const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-loss-'));

function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function write(name: string, frames: { timestampMs: number; data: number[] }[]): string {
  const file = join(dir, name);
  writeFileSync(file, pcapFile({ linkType: LINKTYPE_RAW }, frames));
  return file;
}

test('a flow the flow table splits is reported on stderr and its --all rows carry split: true', () => {
  const minute = 60_000;
  const frames = [];
  // 40 minutes of one UDP exchange: past the 30-minute active timeout, so two records.
  for (let i = 0; i < 40; i++)
    frames.push({
      timestampMs: T0 + i * minute,
      data: ipv4(
        { src: '10.9.0.1', dst: '10.9.0.2', protocol: 17 },
        udp(40000, 7000, noise(200, i)),
      ),
    });
  // A short flow alongside that nothing cuts.
  frames.push({
    timestampMs: T0 + 1000,
    data: ipv4(
      { src: '10.9.0.3', dst: '10.9.0.2', protocol: 17 },
      udp(40001, 7001, noise(200, 99)),
    ),
  });
  frames.sort((a, b) => a.timestampMs - b.timestampMs);
  const file = write('long-flow.pcap', frames);
  const r = run('analyze', '--all', '--format', 'jsonl', file);
  assert.equal(r.status, 0, r.stderr);
  const rows = jsonl(r.stdout);
  const long = rows.filter((row) => row.srcPort === 40000);
  assert.equal(long.length, 2);
  assert.deepEqual(
    long.map((row) => row.split),
    [true, true],
  );
  assert.equal(rows.find((row) => row.srcPort === 40001)?.split, false);
  assert.match(
    r.stderr,
    /the flow table ended 1 flow early to stay within its bounds \(active-timeout: 1\); 1 later record continues one of them/,
  );
});

test('IP fragments received out of order are reassembled: one flow with every packet and its payload', () => {
  const data = noise(3000, 7);
  const body = udp(5353, 31337, data);
  const cuts = [0, 1480, 2960, body.length];
  const fragments = [0, 1, 2].map((i) =>
    ipv4(
      {
        src: '10.8.0.1',
        dst: '10.8.0.2',
        protocol: 17,
        id: 77,
        fragmentOffset: cuts[i]!,
        moreFragments: i < 2,
      },
      body.slice(cuts[i], cuts[i + 1]),
    ),
  );
  const file = write(
    'fragments.pcap',
    [2, 0, 1].map((i, k) => ({ timestampMs: T0 + k, data: fragments[i]! })),
  );
  const r = run('analyze', '--all', '--format', 'jsonl', file);
  assert.equal(r.status, 0, r.stderr);
  const rows = jsonl(r.stdout);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.dstPort, 31337);
  assert.equal(rows[0]!.packets, 3);
  assert.equal(rows[0]!.bytes, body.length + 3 * 20);
  assert.ok((rows[0]!.entropy as number) > 7.5, `entropy ${String(rows[0]!.entropy)}`);
  assert.doesNotMatch(r.stderr, /fragment/);

  // Fragments whose datagram never starts cannot be tied to a flow: said, with the count.
  const orphans = write(
    'orphans.pcap',
    [1, 2].map((i, k) => ({ timestampMs: T0 + k, data: fragments[i]! })),
  );
  const o = run('analyze', '--all', '--format', 'jsonl', orphans);
  assert.equal(o.status, 0, o.stderr);
  assert.match(
    o.stderr,
    /2 IP fragments dropped: the first fragment of their datagram never arrived/,
  );
});
