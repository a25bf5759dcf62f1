import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gfwBaseline, gfwRules } from '../../src/baselines/gfw.js';
import { entropyThresholdBaseline } from '../../src/baselines/entropy-threshold.js';
import { ascii, flowOf, seededBytes } from '../flow.js';

/** Random bytes with popcount inside the band and no printable exemption: what the GFW blocks. */
function blockable(seed: number): Uint8Array {
  for (let s = seed; ; s++) {
    const bytes = seededBytes(300, s);
    if (gfwRules(bytes).blocked) return bytes;
  }
}

test('random bytes are blocked', () => {
  const d = gfwRules(blockable(1));
  assert.equal(d.blocked, true);
  assert.equal(d.exemption, null);
});

test('each exemption, in the paper order', () => {
  // Ex1: mostly zero bytes, popcount far below 3.4.
  assert.equal(gfwRules(new Uint8Array(100)).exemption, 'Ex1-popcount');
  assert.equal(gfwRules(new Uint8Array(100).fill(0xff)).exemption, 'Ex1-popcount');
  // Ex2: six printable bytes in front of random ones.
  const ex2 = blockable(2);
  ex2.set(ascii('abcdef'));
  assert.equal(gfwRules(ex2).exemption, 'Ex2-first-six-printable');
  // Ex3: two thirds printable in runs of two, every byte with four bits set (inside the band).
  const ex3 = new Uint8Array(99);
  for (let i = 0; i < 99; i += 3) ex3.set([0x87, 0x4d, 0x4e], i);
  assert.equal(gfwRules(ex3).exemption, 'Ex3-half-printable');
  // Ex4: 21 printable bytes in a row, the rest random.
  const ex4 = blockable(3);
  ex4[0] = 0x00;
  ex4.set(ascii('abcdefghijklmnopqrstu'), 100);
  const ex4Decision = gfwRules(ex4);
  assert.equal(ex4Decision.exemption, 'Ex4-printable-run');
  // Exactly 20 is not more than 20.
  const twenty = blockable(3);
  twenty[0] = 0x00;
  twenty.set(ascii('abcdefghijklmnopqrst'), 100);
  twenty[120] = 0x00;
  twenty[99] = 0x00;
  assert.notEqual(gfwRules(twenty).exemption, 'Ex4-printable-run');
  // Ex5: a TLS record header in front of random bytes.
  const ex5 = blockable(4);
  ex5.set([0x17, 0x03, 0x03]);
  assert.equal(gfwRules(ex5).exemption, 'Ex5-tls-http');
});

test('the flow baseline inspects the first initiator packet only', () => {
  const random = blockable(5);
  const text = ascii('hello world, this is text and not random at all');
  const payload = new Uint8Array(random.length + text.length);
  payload.set(random);
  payload.set(text, random.length);
  const flow = flowOf({
    initiator: payload,
    packets: [
      { size: 40, payloadSize: 0, direction: 'fwd', gapMs: 0 },
      { size: 340, payloadSize: random.length, direction: 'fwd', gapMs: 1 },
      { size: 80, payloadSize: text.length, direction: 'fwd', gapMs: 1 },
    ],
  });
  const d = gfwBaseline(flow);
  assert.equal(d.blocked, true);
  assert.equal(d.inspectedBytes, random.length);
  assert.equal(gfwBaseline(flowOf({})).exemption, 'no-payload');
  assert.equal(
    gfwBaseline(flowOf({ initiator: random, transport: 'udp' }), { tcpOnly: true }).exemption,
    'not-tcp',
  );
  assert.equal(gfwBaseline(flowOf({ initiator: random, transport: 'udp' })).blocked, true);
});

test('entropy threshold baseline: fixed threshold, blind to length', () => {
  const long = entropyThresholdBaseline(flowOf({ initiator: seededBytes(1024, 9) }));
  assert.equal(long.opaque, true);
  // 40 random bytes cannot exceed ~5.3 bits/byte: the plain rule misses them.
  const short = entropyThresholdBaseline(flowOf({ initiator: seededBytes(40, 9) }));
  assert.equal(short.opaque, false);
  const none = entropyThresholdBaseline(flowOf({}));
  assert.deepEqual(none, { opaque: false, entropy: null, direction: null });
  const server = entropyThresholdBaseline(flowOf({ responder: seededBytes(1024, 10) }));
  assert.equal(server.direction, 'rev');
});

test('property: the GFW rules never throw and report consistent figures', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
      const d = gfwRules(bytes);
      assert.equal(d.blocked, d.exemption === null);
      assert.equal(d.inspectedBytes, bytes.length);
    }),
  );
});
