import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FlowRecord } from '@opaqueflow/flow-model';
import {
  CaptureFlowDecoder,
  CaptureReader,
  flowsFromCapture,
  readCapture,
} from '../../src/index.js';
import { ethernet, ipv4, pcapFile, pcapngFile, udp } from './frames.js';
import { mixedFrames } from '../fixtures/scenario.js';

const T = 1_700_000_000_123.456;
const frame = (n: number): number[] =>
  ethernet(
    0x0800,
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp(1000 + n, 53, 'x')),
  );

test('pcap: both byte orders and both resolutions give the same packets and times', () => {
  for (const littleEndian of [true, false]) {
    for (const nanos of [false, true]) {
      const { packets, stats } = readCapture(
        pcapFile({ linkType: 1, littleEndian, nanos }, [{ timestampMs: T, data: frame(1) }]),
      );
      assert.equal(stats.format, 'pcap');
      assert.equal(packets.length, 1);
      assert.ok(Math.abs(packets[0]!.timestampMs - T) < 0.001);
      assert.equal(packets[0]!.linkType, 1);
      assert.equal(packets[0]!.data.length, 60);
    }
  }
});

test('pcap: a truncated last record and a truncated header are counted, earlier packets kept', () => {
  const whole = pcapFile({ linkType: 1 }, [
    { timestampMs: T, data: frame(1) },
    { timestampMs: T + 1, data: frame(2) },
  ]);
  const cut = readCapture(whole.subarray(0, whole.length - 10));
  assert.equal(cut.packets.length, 1);
  assert.deepEqual(cut.stats.rejected, { 'truncated-pcap-record': 1 });
  assert.deepEqual(readCapture(whole.subarray(0, 10)).stats.rejected, {
    'truncated-pcap-header': 1,
  });
});

test('pcap: an absurd record length stops the file with its reason', () => {
  const bytes = pcapFile({ linkType: 1 }, [{ timestampMs: T, data: frame(1) }]);
  new DataView(bytes.buffer).setUint32(24 + 8, 0x7fffffff, true);
  const { packets, stats } = readCapture(bytes);
  assert.equal(packets.length, 0);
  assert.deepEqual(stats.rejected, { 'bad-pcap-record-length': 1 });
});

test('unknown magic and unsupported versions are refused, not thrown', () => {
  assert.deepEqual(readCapture(Uint8Array.from([1, 2, 3, 4, 5, 6])).stats.rejected, {
    'unknown-capture-format': 1,
  });
  assert.deepEqual(readCapture(Uint8Array.from([1, 2])).stats.rejected, {
    'unknown-capture-format': 1,
  });
  const v3 = pcapFile({ linkType: 1 }, []);
  new DataView(v3.buffer).setUint16(4, 3, true);
  assert.deepEqual(readCapture(v3).stats.rejected, { 'unsupported-pcap-version': 1 });
  assert.deepEqual(readCapture(new Uint8Array(0)).stats.rejected, {});
});

test('pcapng: interfaces with their own tsresol, simple packets, unknown blocks skipped', () => {
  const bytes = pcapngFile(
    [
      { linkType: 1, tsresol: 9 },
      { linkType: 101, tsresol: 0x80 | 20 },
    ],
    [
      { timestampMs: T, data: frame(1) },
      { timestampMs: T + 5, data: frame(2).slice(14), interfaceId: 1 },
      { timestampMs: 0, data: frame(3), simple: true },
    ],
    true,
    [{ type: 0x0bad, body: [1, 2, 3, 4, 5, 6, 7, 8] }],
  );
  const { packets, stats } = readCapture(bytes);
  assert.deepEqual(stats.rejected, {});
  assert.equal(stats.blocksSkipped, 1);
  assert.equal(packets.length, 3);
  assert.ok(Math.abs(packets[0]!.timestampMs - T) < 0.001);
  // 2^-20 s units: about a microsecond of rounding.
  assert.ok(Math.abs(packets[1]!.timestampMs - (T + 5)) < 0.002);
  assert.equal(packets[1]!.linkType, 101);
  assert.equal(packets[1]!.interfaceId, 1);
  // A simple packet block has no time of its own: it takes the previous packet's.
  assert.equal(packets[2]!.timestampMs, packets[1]!.timestampMs);
  assert.equal(flowsFromCapture(bytes).flows.length, 3);
});

test('pcapng: big-endian sections read like little-endian ones', () => {
  const frames = [{ timestampMs: T, data: frame(1) }];
  const le = readCapture(pcapngFile([{ linkType: 1 }], frames, true)).packets;
  const be = readCapture(pcapngFile([{ linkType: 1 }], frames, false)).packets;
  assert.deepEqual(be, le);
});

test('pcapng: malformed blocks are counted by reason', () => {
  const good = pcapngFile([{ linkType: 1 }], [{ timestampMs: T, data: frame(1) }]);
  const shb = 28;
  const idb = 20;
  const epb = shb + idb;
  const view = (b: Uint8Array): DataView => new DataView(b.buffer);

  const badTrailer = Uint8Array.from(good);
  view(badTrailer).setUint32(badTrailer.length - 4, 12, true);
  assert.deepEqual(readCapture(badTrailer).stats.rejected, { 'bad-pcapng-block-trailer': 1 });

  const badLength = Uint8Array.from(good);
  view(badLength).setUint32(epb + 4, 13, true);
  assert.deepEqual(readCapture(badLength).stats.rejected, { 'bad-pcapng-block-length': 1 });

  const unknownIf = Uint8Array.from(good);
  view(unknownIf).setUint32(epb + 8, 7, true);
  assert.deepEqual(readCapture(unknownIf).stats.rejected, { 'unknown-pcapng-interface': 1 });

  const capTooLong = Uint8Array.from(good);
  view(capTooLong).setUint32(epb + 20, 4000, true);
  assert.deepEqual(readCapture(capTooLong).stats.rejected, { 'truncated-pcapng-packet': 1 });

  const badMagic = Uint8Array.from(good);
  view(badMagic).setUint32(8, 0x01020304, true);
  assert.deepEqual(readCapture(badMagic).stats.rejected, { 'bad-pcapng-byte-order-magic': 1 });

  assert.deepEqual(readCapture(good.subarray(0, good.length - 3)).stats.rejected, {
    'truncated-pcapng-block': 1,
  });
});

test('streaming: any chunking of a capture gives the same flows as reading it whole', () => {
  const bytes = pcapngFile([{ linkType: 1 }], mixedFrames());
  const whole = flowsFromCapture(bytes).flows;
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: bytes.length }), { maxLength: 12 }), (cuts) => {
      const flows: FlowRecord[] = [];
      const decoder = new CaptureFlowDecoder((f) => flows.push(f));
      let at = 0;
      for (const c of [...cuts].sort((a, b) => a - b)) {
        decoder.push(bytes.subarray(at, c));
        at = Math.max(at, c);
      }
      decoder.push(bytes.subarray(at));
      const stats = decoder.end();
      assert.deepEqual(stats.rejected, {});
      flows.sort((x, y) => x.startMs - y.startMs);
      assert.deepEqual(flows, whole);
    }),
    { numRuns: 200 },
  );
});

test('the reader copies what it keeps: reusing a pushed chunk changes nothing', () => {
  const bytes = pcapFile({ linkType: 1 }, [{ timestampMs: T, data: frame(1) }]);
  const seen: number[] = [];
  const reader = new CaptureReader((p) => seen.push(p.data[12]!));
  const chunk = Uint8Array.from(bytes.subarray(0, 30));
  reader.push(chunk);
  chunk.fill(0xee);
  reader.push(bytes.subarray(30));
  reader.end();
  assert.deepEqual(seen, [0x08]);
});

test('streaming: a large block in tiny chunks is reassembled exactly', () => {
  const big = ethernet(
    0x0800,
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp(1, 2, 'z'.repeat(30_000))),
  );
  const bytes = pcapngFile(
    [{ linkType: 1 }],
    [
      { timestampMs: T, data: big },
      { timestampMs: T + 1, data: frame(9) },
    ],
  );
  const flows: FlowRecord[] = [];
  const decoder = new CaptureFlowDecoder((f) => flows.push(f));
  for (let at = 0; at < bytes.length; at += 7) decoder.push(bytes.subarray(at, at + 7));
  const stats = decoder.end();
  assert.deepEqual(stats.rejected, {});
  assert.equal(stats.packetsRead, 2);
  assert.equal(flows.length, 2);
  const bigFlow = flows.find((f) => f.srcPort === 1)!;
  assert.equal(bigFlow.bytesFwd, 20 + 8 + 30_000);
  assert.equal(Buffer.from(bigFlow.initiatorPayload!).toString(), 'z'.repeat(1024));
});
