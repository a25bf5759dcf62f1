import fc from 'fast-check';
import type { Detection, FlowFeatures, FlowRecord, FlowSummary } from '@opaqueflow/flow-model';

export const summary: FlowSummary = {
  flowId: 'f-3b1c0f9e2a7d4c55',
  source: 'ipfix',
  exporter: '192.0.2.10',
  observationDomain: 4_000_000_001,
  samplingRate: 1,
  startMs: 1_764_280_000_123,
  endMs: 1_764_280_004_987,
  ipVersion: 6,
  srcAddr: '2001:db8::1',
  srcPort: 51_123,
  dstAddr: '2001:db8::2',
  dstPort: 8443,
  transport: 'tcp',
  protocol: 6,
  initiatorKnown: true,
  packetsFwd: 12,
  bytesFwd: 5_000_000_000,
  packetsRev: 9,
  bytesRev: 7_340,
  tcpFlagsFwd: 0x1b,
  tcpFlagsRev: 0x1a,
};

export const flowRecord: FlowRecord = {
  ...summary,
  initiatorPayload: new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x80]),
  responderPayload: null,
  packets: [
    { size: 60, payloadSize: 0, direction: 'fwd', gapMs: 0 },
    { size: 1500, payloadSize: 1448, direction: 'rev', gapMs: 12.5 },
  ],
  exporterEvidence: {
    initiatorEntropy: 7.91,
    responderEntropy: null,
    initiatorByteDistribution: Array.from({ length: 256 }, (_, i) => i % 7),
    element: 'yaf:payloadEntropy',
  },
};

export const flowFeatures: FlowFeatures = {
  flow: {
    ...summary,
    source: 'pcap',
    exporter: null,
    observationDomain: null,
    ipVersion: 4,
    srcAddr: '10.0.0.1',
    dstAddr: '198.51.100.7',
    transport: 'udp',
    protocol: 17,
  },
  initiator: {
    length: 1024,
    entropy: 7.81,
    expectedRandomEntropy: 7.82,
    entropyZScore: -0.4,
    chiSquare: 250.1,
    chiSquarePValue: 0.57,
    meanPopcount: 4.01,
    printableFraction: 0.37,
    longestPrintableRun: 6,
    firstSixPrintable: false,
    looksRandom: true,
  },
  responder: null,
  exporterEvidence: null,
  handshake: {
    protocol: 'none',
    seenIn: null,
    keyExchange: false,
    version: null,
    sni: null,
    alpn: [],
    ja4: null,
    details: {},
  },
  content: null,
  port: {
    port: 8443,
    transport: 'udp',
    ianaService: 'pcsync-https',
    encryptedExpected: false,
    expectedProtocols: ['tls'],
    standardForSeen: false,
  },
  verdict: 'opaque',
  evidence: ['initiator-random', 'no-handshake'],
};

export const flowFeaturesTls: FlowFeatures = {
  ...flowFeatures,
  handshake: {
    protocol: 'tls',
    seenIn: 'fwd',
    keyExchange: true,
    version: 'TLS1.3',
    sni: 'example.org',
    alpn: ['h2', 'http/1.1'],
    ja4: 't13d1516h2_8daaf6152771_02713d6af862',
    details: { cipherSuites: '17' },
  },
  content: 'gzip',
  verdict: 'tls',
};

export const detection: Detection = {
  id: 'd-9f0e1d2c3b4a5968',
  firstSeenMs: 1_764_280_000_123,
  lastSeenMs: 1_764_280_300_000,
  windowStartMs: 1_764_280_000_000,
  flowCount: 42,
  bytes: 9_007_199_254_740,
  score: 87.5,
  severity: 'high',
  verdict: 'opaque',
  srcAddr: '10.0.0.1',
  dstAddr: '198.51.100.7',
  dstPort: 8443,
  transport: 'udp',
  reasons: [
    {
      code: 'randomness',
      points: 40,
      value: 7.81,
      detail: 'initiator bytes indistinguishable from random',
    },
    {
      code: 'non-standard-port',
      points: 20,
      value: 'pcsync-https',
      detail: 'no encrypted service expected',
    },
    { code: 'known-peer', points: -5, value: 3, detail: 'seen before' },
  ],
  baseline: {
    port: 8443,
    transport: 'udp',
    flows: 1200,
    opaqueFlows: 3,
    distinctSources: 17,
    distinctDestinations: 4,
    meanEntropy: null,
    learning: false,
    windowMs: 86_400_000,
  },
  hostScore: 61,
  attack: { analytic: 'AN0404', techniques: ['T1573', 'T1571'] },
  exceptionId: null,
  status: 'open',
  sampleFlowIds: ['f-1', 'f-2'],
  updatedMs: 1_764_280_300_500,
};

/** avsc's largest long: it refuses 2^53-1 itself (see the encode test). */
export const AVSC_MAX_LONG = 9_007_199_254_740_990;
const long = fc.integer({ min: 0, max: AVSC_MAX_LONG });
const u16 = fc.integer({ min: 0, max: 65535 });
const int32 = fc.integer({ min: 0, max: 2 ** 31 - 1 });

export const flowRecordArb: fc.Arbitrary<FlowRecord> = fc.record({
  flowId: fc.string({ minLength: 1, maxLength: 24 }),
  source: fc.constantFrom('pcap', 'ipfix', 'netflow5', 'netflow9', 'sflow'),
  exporter: fc.option(fc.ipV4(), { nil: null }),
  observationDomain: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: null }),
  samplingRate: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  startMs: long,
  endMs: long,
  ipVersion: fc.constantFrom(4 as const, 6 as const),
  srcAddr: fc.oneof(fc.ipV4(), fc.ipV6()),
  srcPort: u16,
  dstAddr: fc.oneof(fc.ipV4(), fc.ipV6()),
  dstPort: u16,
  transport: fc.constantFrom('tcp', 'udp', 'other'),
  protocol: fc.integer({ min: 0, max: 255 }),
  initiatorKnown: fc.boolean(),
  packetsFwd: long,
  bytesFwd: long,
  packetsRev: long,
  bytesRev: long,
  tcpFlagsFwd: fc.integer({ min: 0, max: 511 }),
  tcpFlagsRev: fc.integer({ min: 0, max: 511 }),
  initiatorPayload: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  responderPayload: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  packets: fc.array(
    fc.record({
      size: int32,
      payloadSize: int32,
      direction: fc.constantFrom('fwd', 'rev'),
      gapMs: fc.double({ min: 0, max: 1e9, noNaN: true }),
    }),
    { maxLength: 8 },
  ),
  exporterEvidence: fc.option(
    fc.record({
      initiatorEntropy: fc.option(fc.double({ min: 0, max: 8, noNaN: true }), { nil: null }),
      responderEntropy: fc.option(fc.double({ min: 0, max: 8, noNaN: true }), { nil: null }),
      initiatorByteDistribution: fc.option(fc.array(long, { maxLength: 256 }), { nil: null }),
      element: fc.string(),
    }),
    { nil: null },
  ),
});
