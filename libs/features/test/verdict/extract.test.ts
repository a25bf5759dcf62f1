import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { VERDICTS, type FlowRecord } from '@opaqueflow/flow-model';
import { createFeatureExtractor } from '../../src/extract.js';
import { FeaturesError } from '../../src/errors.js';
import { compileOptions } from '../../src/options.js';
import { ascii, flowOf, seededBytes } from '../flow.js';
import { captureClientHello } from '../tls-capture.js';

const extract = createFeatureExtractor();

test('random bytes with no handshake on an odd port are opaque', () => {
  const f = extract(
    flowOf({ initiator: seededBytes(600, 1), responder: seededBytes(300, 2), dstPort: 8081 }),
  );
  assert.equal(f.verdict, 'opaque');
  assert.ok(f.evidence.includes('initiator-random'));
  assert.ok(f.evidence.includes('no-handshake'));
  assert.equal(f.handshake.protocol, 'none');
  assert.equal(f.initiator?.looksRandom, true);
  assert.equal(f.initiator?.length, 600);
  assert.equal(f.port.standardForSeen, false);
});

test('short encrypted payloads are judged by length-aware figures', () => {
  // 40 bytes of AES-GCM output: entropy near 5.2 bits/byte, which is what random 40 bytes give.
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(Buffer.from('auth token 0123456789')), cipher.final()]);
  const frame = Uint8Array.from(Buffer.concat([iv, body, cipher.getAuthTag()]));
  const f = extract(flowOf({ initiator: frame, dstPort: 31337 }));
  assert.ok(frame.length < 64 && (f.initiator?.entropy ?? 8) < 6);
  assert.equal(f.verdict, 'opaque');
});

test('a real node:tls ClientHello is tls, with SNI, on any port', async () => {
  const hello = await captureClientHello({ servername: 'example.org', alpn: ['h2', 'http/1.1'] });
  assert.equal(hello[0], 0x16);
  for (const dstPort of [443, 8081]) {
    const f = extract(flowOf({ initiator: hello, dstPort }));
    assert.equal(f.verdict, 'tls');
    assert.equal(f.handshake.sni, 'example.org');
    assert.deepEqual(f.evidence, ['handshake:tls:initiator']);
    assert.equal(f.port.standardForSeen, dstPort === 443);
  }
});

test('HTTP is plaintext, gzip content is compressed', () => {
  const http = extract(
    flowOf({
      initiator: ascii('GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n'),
      dstPort: 80,
    }),
  );
  assert.equal(http.verdict, 'plaintext');
  const json = Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ i }))));
  const gz = extract(flowOf({ initiator: Uint8Array.from(gzipSync(json)), dstPort: 40000 }));
  assert.equal(gz.verdict, 'compressed');
  assert.equal(gz.content, 'gzip');
});

test('structured binary that is not random is not opaque', () => {
  const bytes = new Uint8Array(400);
  for (let i = 0; i < 400; i += 8) bytes.set([0, 0, 0, 8, i & 0xff, 1, 0, 0], i);
  const f = extract(flowOf({ initiator: bytes, dstPort: 9000 }));
  assert.equal(f.verdict, 'plaintext');
  assert.ok(f.evidence.some((e) => e.startsWith('initiator-not-random:')));
});

test('a server-first flow is judged on the responder when the initiator said too little', () => {
  const f = extract(flowOf({ initiator: seededBytes(4, 3), responder: seededBytes(256, 4) }));
  assert.equal(f.verdict, 'opaque');
  assert.ok(f.evidence.includes('responder-random'));
  assert.ok(f.evidence.includes('initiator-short'));
});

test('no payload and no exporter evidence is insufficient; short payload too', () => {
  assert.equal(extract(flowOf({})).verdict, 'insufficient');
  assert.deepEqual(extract(flowOf({})).evidence, ['no-payload']);
  const short = extract(flowOf({ initiator: seededBytes(10, 5) }));
  assert.equal(short.verdict, 'insufficient');
  assert.deepEqual(short.evidence, ['payload-below-16-bytes']);
});

test('exporter evidence is used only without payload, and marked', () => {
  const high = extract(
    flowOf({
      exporterEvidence: {
        initiatorEntropy: 7.7,
        responderEntropy: null,
        initiatorByteDistribution: null,
        element: 'yaf:payloadEntropy',
      },
    }),
  );
  assert.equal(high.verdict, 'opaque');
  assert.deepEqual(high.evidence, [
    'exporter-evidence',
    'exporter-entropy-high:7.70',
    'exporter-element:yaf:payloadEntropy',
  ]);
  assert.equal(high.initiator, null);
  const low = extract(
    flowOf({
      exporterEvidence: {
        initiatorEntropy: 4.1,
        responderEntropy: null,
        initiatorByteDistribution: null,
        element: 'x',
      },
    }),
  );
  assert.equal(low.verdict, 'plaintext');
  const counts = new Array<number>(256).fill(0);
  for (const b of seededBytes(2000, 6)) counts[b] = (counts[b] ?? 0) + 1;
  const dist = extract(
    flowOf({
      exporterEvidence: {
        initiatorEntropy: null,
        responderEntropy: null,
        initiatorByteDistribution: counts,
        element: 'd',
      },
    }),
  );
  assert.equal(dist.verdict, 'opaque');
  assert.ok(dist.evidence.includes('exporter-distribution-random'));
  // With payload present the exporter's figure is ignored.
  const withPayload = extract(
    flowOf({
      initiator: ascii('hello there, plain words in a row are not random'),
      exporterEvidence: {
        initiatorEntropy: 7.9,
        responderEntropy: null,
        initiatorByteDistribution: null,
        element: 'x',
      },
    }),
  );
  assert.equal(withPayload.verdict, 'plaintext');
});

test('prefixBytes bounds what is judged', () => {
  const payload = new Uint8Array(4096);
  payload.set(seededBytes(256, 7));
  const f = createFeatureExtractor({ prefixBytes: 256 })(flowOf({ initiator: payload }));
  assert.equal(f.initiator?.length, 256);
  assert.equal(f.verdict, 'opaque');
  assert.equal(extract(flowOf({ initiator: payload })).verdict, 'plaintext');
});

test('options are validated once with every problem named, and frozen', () => {
  assert.throws(
    () =>
      createFeatureExtractor({ prefixBytes: 4, minBytes: 2, zThreshold: 100, bogus: 1 } as never),
    (error: unknown) => {
      assert.ok(error instanceof FeaturesError);
      assert.equal(error.code, 'FEATURES_OPTIONS_INVALID');
      assert.deepEqual(error.issues.map((i) => i.path).sort(), [
        'bogus',
        'minBytes',
        'prefixBytes',
        'zThreshold',
      ]);
      return true;
    },
  );
  assert.throws(() => createFeatureExtractor({ minBytes: 2000 }), FeaturesError);
  const compiled = compileOptions({ minBytes: 24 });
  assert.ok(
    Object.isFrozen(compiled) &&
      Object.isFrozen(compiled.randomness) &&
      Object.isFrozen(compiled.ports),
  );
  assert.equal(compiled.randomness.minLength, 24);
  assert.throws(
    () =>
      createFeatureExtractor({
        ports: { encrypted: [{ port: -1, transport: 'tcp', protocols: ['x'] }] },
      }),
    /ports\.encrypted\[0\]\.port/,
  );
});

test('the record keeps identity but not payload bytes', () => {
  const flow = flowOf({ initiator: seededBytes(100, 8) });
  const f = extract(flow);
  assert.equal(f.flow.flowId, flow.flowId);
  assert.equal('initiatorPayload' in f.flow, false);
});

const hostileValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.uint8Array({ maxLength: 64 }),
  fc.array(fc.integer(), { maxLength: 300 }),
  fc.object(),
);

test('property: no record, however malformed, makes the extractor throw', () => {
  fc.assert(
    fc.property(
      fc.record({
        initiator: fc.option(fc.uint8Array({ maxLength: 1500 })),
        responder: fc.option(fc.uint8Array({ maxLength: 1500 })),
        transport: fc.constantFrom('tcp', 'udp'),
        srcPort: fc.integer({ min: 0, max: 65_535 }),
        dstPort: fc.integer({ min: 0, max: 65_535 }),
      }),
      fc.dictionary(
        fc.constantFrom(
          'initiatorPayload',
          'responderPayload',
          'transport',
          'dstPort',
          'srcPort',
          'packets',
          'exporterEvidence',
          'flowId',
        ),
        hostileValue,
        { maxKeys: 3 },
      ),
      (spec, damage) => {
        const flow = { ...flowOf(spec), ...damage };
        const f = extract(flow);
        assert.ok(VERDICTS.has(f.verdict), f.verdict);
        assert.ok(f.evidence.length > 0);
        assert.ok(f.exporterEvidence === null || typeof f.exporterEvidence.element === 'string');
        for (const d of [f.initiator, f.responder]) {
          if (d !== null) assert.ok(d.entropy >= 0 && d.entropy <= 8);
        }
      },
    ),
    { numRuns: 400 },
  );
  assert.equal(extract(null as unknown as FlowRecord).verdict, 'insufficient');
});

test('property: handshake-shaped prefixes followed by noise never throw', () => {
  const prefixes = [
    [0x16, 0x03, 0x01],
    [0x16, 0xfe, 0xfd],
    [0xc0, 0x00, 0x00, 0x00, 0x01],
    [0x01, 0x00, 0x00, 0x00],
    [0x38],
    [0x53, 0x53, 0x48, 0x2d],
    [0x1f, 0x8b],
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...prefixes),
      fc.uint8Array({ maxLength: 600 }),
      fc.constantFrom('tcp', 'udp'),
      (prefix, tail, transport) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        const f = extract(flowOf({ initiator: bytes, responder: tail, transport: transport }));
        assert.ok(f.evidence.length > 0);
      },
    ),
    { numRuns: 300 },
  );
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('TLS record framing around random bytes at the start of a flow is opaque', () => {
  const appData = concat(Uint8Array.from([0x17, 0x03, 0x03, 0x02, 0x58]), seededBytes(600, 11));
  const started = extract(
    flowOf({ initiator: appData, responder: seededBytes(300, 12), dstPort: 443 }),
  );
  assert.equal(started.verdict, 'opaque');
  assert.ok(started.evidence.includes('tls-framing-around-random-bytes'));
  assert.ok(started.evidence.includes('no-key-exchange'));
  // A capture that began mid-connection legitimately opens with application data.
  const midStream = extract({
    ...flowOf({ initiator: appData, dstPort: 443 }),
    initiatorKnown: false,
  });
  assert.equal(midStream.verdict, 'tls');
  // Random bytes mid-stream are still opaque, marked as such.
  const lost = extract({ ...flowOf({ initiator: seededBytes(600, 22) }), initiatorKnown: false });
  assert.equal(lost.verdict, 'opaque');
  assert.ok(lost.evidence.includes('flow-start-not-seen'));
});

test('an SSH banner followed by random bytes instead of KEXINIT is opaque', () => {
  const banner = ascii('SSH-2.0-OpenSSH_9.6\r\n');
  const fake = extract(flowOf({ initiator: concat(banner, seededBytes(600, 13)), dstPort: 22 }));
  assert.equal(fake.verdict, 'opaque');
  assert.ok(fake.evidence.includes('ssh-banner-then-random-bytes'));
  assert.ok(!fake.evidence.includes('initiator-random'), 'the banner itself is not random');
  // A banner followed by a KEXINIT (ASCII name-lists) stays SSH.
  const names = ascii('curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256');
  const body = concat(
    Uint8Array.from([20]),
    seededBytes(16, 14),
    Uint8Array.from([0, 0, 0, names.length]),
    names,
    new Uint8Array(8),
  );
  // uint32 packet_length, byte padding_length, payload, padding (lengths need not be exact:
  // what matters is that the bytes after the banner are structured, not random).
  const packet = concat(Uint8Array.from([0, 0, 0, body.length + 9, 8]), body, new Uint8Array(8));
  const real = extract(flowOf({ initiator: concat(banner, packet), dstPort: 22 }));
  assert.equal(real.verdict, 'ssh');
});

test('random initiator bytes answered by a TLS or plaintext server are opaque', () => {
  const serverBanner = ascii('SSH-2.0-OpenSSH_9.6\r\n');
  const f = extract(
    flowOf({ initiator: seededBytes(300, 15), responder: serverBanner, dstPort: 22 }),
  );
  assert.equal(f.verdict, 'opaque');
  const http = extract(
    flowOf({
      initiator: seededBytes(300, 16),
      responder: ascii('HTTP/1.1 400 Bad Request\r\n\r\n'),
      dstPort: 80,
    }),
  );
  assert.equal(http.verdict, 'opaque');
});

test('a gzip or zip magic in front of bytes that are not deflate is borrowed, not compressed', () => {
  const fakeGzip = seededBytes(800, 17);
  fakeGzip.set([0x1f, 0x8b, 0x08, 0x00]);
  const f = extract(flowOf({ initiator: fakeGzip, dstPort: 40_000 }));
  assert.equal(f.content, 'gzip');
  assert.equal(f.verdict, 'opaque');
  assert.ok(f.evidence.includes('content-magic-without-stream:gzip:initiator'));
  // Real gzip, even of incompressible bytes (stored blocks), stays compressed.
  const stored = Uint8Array.from(gzipSync(seededBytes(3000, 18), { level: 0 })).subarray(0, 1024);
  assert.equal(extract(flowOf({ initiator: stored, dstPort: 40_000 })).verdict, 'compressed');
  const fakeZip = seededBytes(800, 19);
  fakeZip.set([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);
  fakeZip.set([4, 0, 0, 0], 26);
  assert.equal(extract(flowOf({ initiator: fakeZip, dstPort: 40_000 })).verdict, 'opaque');
});

test('property: any options either compile or fail with a FeaturesError naming them', () => {
  const value = fc.oneof(
    fc.integer({ min: -10, max: 70_000 }),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.array(
      fc.record({
        port: fc.integer({ min: -5, max: 70_000 }),
        transport: fc.constantFrom('tcp', 'udp', 'sctp'),
        protocols: fc.array(fc.string(), { maxLength: 2 }),
      }),
      { maxLength: 3 },
    ),
  );
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom(
          'prefixBytes',
          'minBytes',
          'zThreshold',
          'alpha',
          'exporterEntropyThreshold',
          'ports',
          'other',
        ),
        value,
        { maxKeys: 4 },
      ),
      fc.option(
        fc.record(
          { encrypted: value, notEncrypted: value, replaceDefaults: value },
          { requiredKeys: [] },
        ),
      ),
      (options, ports) => {
        const all = ports === null ? options : { ...options, ports };
        try {
          const f = createFeatureExtractor(all as never);
          assert.equal(typeof f, 'function');
        } catch (error) {
          assert.ok(error instanceof FeaturesError, String(error));
          assert.ok(error.issues.length > 0);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('malformed fields are reported in the evidence, not thrown', () => {
  const f = extract({
    ...flowOf({ initiator: seededBytes(200, 21) }),
    responderPayload: 'not bytes',
    dstPort: 70_000,
  } as unknown as FlowRecord);
  assert.equal(f.verdict, 'opaque');
  assert.ok(f.evidence.includes('malformed:responderPayload'));
  assert.ok(f.evidence.includes('malformed:dstPort'));
  assert.deepEqual(extract(42 as unknown as FlowRecord).evidence, [
    'malformed-record:not-an-object',
  ]);
});
