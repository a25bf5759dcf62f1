import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PayloadPrefix, SegmentOutcome } from '../../src/assembly/payload-prefix.js';

test('any segmentation, order and duplication of a stream yields its first bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      fc.integer({ min: 1, max: 2048 }),
      (stream, isn, sizes, shuffle, limit) => {
        const segments: { offset: number; bytes: Uint8Array }[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          segments.push({ offset: at, bytes: stream.subarray(at, at + n) });
          at += n;
        }
        // Reorder and retransmit: each shuffle entry moves or repeats one segment.
        const sent = [...segments];
        for (const s of shuffle) {
          const i = s % sent.length;
          if (s % 3 === 0) sent.push(sent[i]!);
          else {
            const [moved] = sent.splice(i, 1);
            sent.push(moved!);
          }
        }
        const prefix = new PayloadPrefix(limit, 1 << 20);
        prefix.startAt(isn);
        for (const seg of sent) prefix.addSegment((isn + 1 + seg.offset) >>> 0, seg.bytes);
        const expected = stream.subarray(0, Math.min(limit, stream.length));
        assert.deepEqual(prefix.bytes(), expected.length > 0 ? Uint8Array.from(expected) : null);
        assert.ok(prefix.capacity <= limit);
      },
    ),
    { numRuns: 2000 },
  );
});

test('the first copy of a byte wins over a retransmission with different bytes', () => {
  const p = new PayloadPrefix(100, 8);
  p.startAt(99);
  assert.equal(p.addSegment(100, Buffer.from('abc')), SegmentOutcome.Appended);
  assert.equal(p.addSegment(100, Buffer.from('XYZ')), SegmentOutcome.Duplicate);
  assert.equal(p.addSegment(101, Buffer.from('QQde')), SegmentOutcome.Appended);
  assert.equal(Buffer.from(p.bytes()!).toString(), 'abcde');
});

test('sequence numbers wrap around 2^32', () => {
  const p = new PayloadPrefix(100, 8);
  p.startAt(0xfffffffd);
  p.addSegment(0xfffffffe, Buffer.from('ab'));
  p.addSegment(0, Buffer.from('cd'));
  assert.equal(Buffer.from(p.bytes()!).toString(), 'abcd');
});

test('gaps beyond the bound are dropped, bytes past the window ignored', () => {
  const p = new PayloadPrefix(64, 2);
  p.startAt(0);
  assert.equal(p.addSegment(11, Buffer.from('x')), SegmentOutcome.OutOfOrder);
  assert.equal(p.addSegment(21, Buffer.from('y')), SegmentOutcome.OutOfOrder);
  assert.equal(p.addSegment(31, Buffer.from('z')), SegmentOutcome.Dropped);
  assert.equal(p.addSegment(1000, Buffer.from('w')), SegmentOutcome.BeyondWindow);
  assert.equal(p.length, 0);
  p.addSegment(1, Buffer.from('0123456789'));
  assert.equal(Buffer.from(p.bytes()!).toString(), '0123456789x');
});

test('without a SYN the first data seen starts the stream; earlier bytes are not invented', () => {
  const p = new PayloadPrefix(10, 4);
  p.addSegment(500, Buffer.from('mid'));
  p.addSegment(497, Buffer.from('abcdef'));
  assert.equal(Buffer.from(p.bytes()!).toString(), 'mid');
});

test('datagrams are appended up to the limit', () => {
  const p = new PayloadPrefix(5, 4);
  p.addDatagram(Buffer.from('abc'));
  p.addDatagram(Buffer.from('defg'));
  assert.equal(Buffer.from(p.bytes()!).toString(), 'abcde');
  assert.equal(p.full, true);
});
