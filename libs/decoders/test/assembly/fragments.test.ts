import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowsFromCapture, LinkType } from '../../src/index.js';
import { ext, ipv4, ipv6, pcapFile, udp } from '../capture/frames.js';

/** Deterministic bytes that look random enough to tell offsets apart. */
function payload(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)]))
      out.push([x, ...rest]);
  });
  return out;
}

const DATA = payload(3000);
const BODY = udp(5353, 31337, DATA);
/** Fragment boundaries in the UDP datagram (multiples of 8). */
const CUTS = [0, 1480, 2960, BODY.length];

function v4Fragments(id: number): number[][] {
  const frames: number[][] = [];
  for (let i = 0; i + 1 < CUTS.length; i++)
    frames.push(
      ipv4(
        {
          src: '10.0.0.1',
          dst: '10.0.0.2',
          protocol: 17,
          id,
          fragmentOffset: CUTS[i]!,
          moreFragments: i + 2 < CUTS.length,
        },
        BODY.slice(CUTS[i], CUTS[i + 1]),
      ),
    );
  return frames;
}

function v6Fragments(id: number): number[][] {
  const frames: number[][] = [];
  for (let i = 0; i + 1 < CUTS.length; i++)
    frames.push(
      ipv6('2001:db8::1', '2001:db8::2', 17, BODY.slice(CUTS[i], CUTS[i + 1]), [
        ext.fragment(CUTS[i]!, i + 2 < CUTS.length, id),
      ]),
    );
  return frames;
}

function capture(frames: number[][]): Uint8Array {
  return pcapFile(
    { linkType: LinkType.RAW },
    frames.map((data, i) => ({ timestampMs: 1_000 + i, data })),
  );
}

for (const [family, fragments, headerBytes] of [
  ['IPv4', v4Fragments(7), 20],
  ['IPv6', v6Fragments(7), 48],
] as const) {
  test(`${family} fragments in every arrival order reassemble into one datagram with its whole payload`, () => {
    for (const order of permutations([0, 1, 2])) {
      // A prefix window larger than the datagram: every byte of every fragment is checked.
      const { flows, stats } = flowsFromCapture(capture(order.map((i) => fragments[i]!)), {
        payloadPrefixBytes: 4096,
      });
      const what = `${family} order ${order.join(',')}`;
      assert.equal(flows.length, 1, what);
      const f = flows[0]!;
      assert.equal(f.srcPort, 5353, what);
      assert.equal(f.dstPort, 31337, what);
      assert.equal(f.packetsFwd, 3, what);
      assert.equal(f.bytesFwd, BODY.length + 3 * headerBytes, what);
      assert.deepEqual(f.initiatorPayload, DATA, what);
      assert.equal(f.packets[0]?.payloadSize, DATA.length, what);
      assert.equal(stats.ipFragments, 3, what);
      assert.equal(stats.ipDatagramsReassembled, 1, what);
      assert.deepEqual(stats.ignored, {}, what);
    }
  });
}

test('a datagram missing a middle fragment still gives its flow the first bytes; one missing its start is counted', () => {
  const f = v4Fragments(9);
  const { flows, stats } = flowsFromCapture(capture([f[2]!, f[0]!]), { payloadPrefixBytes: 4096 });
  assert.equal(flows.length, 1);
  assert.equal(flows[0]!.dstPort, 31337);
  assert.equal(flows[0]!.packetsFwd, 2);
  // Only the bytes before the hole: nothing is made up for the missing fragment.
  assert.deepEqual(flows[0]!.initiatorPayload, DATA.subarray(0, CUTS[1]! - 8));
  assert.equal(stats.ipDatagramsIncomplete, 1);

  const orphans = flowsFromCapture(capture([f[1]!, f[2]!]));
  assert.equal(orphans.flows.length, 0);
  assert.deepEqual(orphans.stats.ignored, { 'ip-fragment-unattributed': 2 });
});

test('a duplicated fragment does not count the datagram twice', () => {
  const f = v4Fragments(11);
  const { flows, stats } = flowsFromCapture(capture([f[1]!, f[1]!, f[2]!, f[0]!]));
  assert.equal(flows.length, 1);
  assert.deepEqual(flows[0]!.initiatorPayload, DATA.subarray(0, 1024));
  assert.equal(stats.ipDatagramsReassembled, 1);
});
