// Mutation fuzzing of the flow-export decoders: valid seed packets, then byte flips,
// truncations, insertions, duplicated slices and boundary values written over length
// fields. Shared by the CI unit test (100k cases per decoder) and tools/fuzz.ts (longer).
import fc from 'fast-check';
import { FlowExportDecoder } from '../../src/flow-export/index.js';
import {
  dataSet,
  ethernetFrame,
  ipfixMessage,
  ipfixTemplateSet,
  ipfixWithdrawal,
  ipv4Packet,
  ipv6Packet,
  record,
  sflowCountersSample,
  sflowDatagram,
  tcpSegment,
  udpDatagram,
  v5Packet,
  v9OptionsTemplateFlowSet,
  v9Packet,
  v9TemplateFlowSet,
  type FieldSpec,
} from './builders.js';

export type FuzzTarget = 'netflow5' | 'netflow9' | 'ipfix' | 'sflow';

const T0 = 1_700_000_000;
const payload = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
const seg = tcpSegment(40000, 8080, 0x18, payload);

const ipfixFields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 1, length: 8 },
  { id: 2, length: 4 },
  { id: 152, length: 8 },
  { id: 153, length: 8 },
  { id: 1, length: 8, enterprise: 29305 },
  { id: 239, length: 1 },
  { id: 18, length: 65535, enterprise: 6871 },
  { id: 16402, length: 65535, enterprise: 6871 },
  { id: 35, length: 1, enterprise: 6871 },
  { id: 315, length: 65535 }, // dataLinkFrameSection
  { id: 314, length: 65535, enterprise: 29305 }, // reverseIpPayloadPacketSection
];
const ipfixV6: FieldSpec[] = [
  { id: 27, length: 16 },
  { id: 28, length: 16 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 85, length: 4 },
  { id: 154, length: 8 },
  { id: 22, length: 4 },
  { id: 160, length: 8 },
  { id: 313, length: 65535 }, // ipHeaderPacketSection
];
const ipfixOptions: FieldSpec[] = [
  { id: 302, length: 4 },
  { id: 305, length: 4 },
  { id: 306, length: 4 },
  { id: 160, length: 8 },
];

function ipfixSeeds(): Uint8Array[] {
  const frame = ethernetFrame(ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg), 7);
  const v6 = ipv6Packet('2001:db8::1', '2001:db8::2', 17, udpDatagram(1, 2, payload));
  const rec = record(ipfixFields, [
    '10.0.0.1',
    '10.0.0.2',
    40000,
    8080,
    6,
    1000,
    5,
    T0 * 1000,
    T0 * 1000 + 5,
    2000,
    1,
    payload,
    payload.subarray(3),
    200,
    frame,
    udpDatagram(2, 1, payload),
  ]);
  const rec6 = record(ipfixV6, [
    '2001:db8::1',
    '2001:db8::2',
    1,
    2,
    17,
    99,
    0n,
    1000,
    T0 * 1000,
    v6,
  ]);
  return [
    ipfixMessage(1, T0, [
      ipfixTemplateSet([
        { id: 256, fields: ipfixFields },
        { id: 257, fields: ipfixV6 },
      ]),
      ipfixTemplateSet([{ id: 258, fields: ipfixOptions, scopeCount: 1 }], true),
      dataSet(258, [record(ipfixOptions, [1, 1, 9, T0 * 1000])]),
      dataSet(256, [rec, rec], 2),
      dataSet(257, [rec6]),
    ]),
    ipfixMessage(1, T0, [dataSet(256, [rec]), dataSet(257, [rec6, rec6])]),
    ipfixMessage(1, T0, [ipfixWithdrawal(257), ipfixWithdrawal(3, true)]),
  ];
}

const v9Fields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 1, length: 4 },
  { id: 2, length: 4 },
  { id: 22, length: 4 },
  { id: 21, length: 4 },
  { id: 48, length: 1 },
];

function v9Seeds(): Uint8Array[] {
  const scope: FieldSpec[] = [{ id: 1, length: 4 }];
  const opts: FieldSpec[] = [
    { id: 48, length: 1 },
    { id: 50, length: 4 },
  ];
  const rec = record(v9Fields, ['172.16.0.1', '172.16.0.2', 1, 2, 6, 100, 1, 10, 20, 5]);
  return [
    v9Packet(3, T0, 1000, [
      v9TemplateFlowSet([{ id: 256, fields: v9Fields }]),
      v9OptionsTemplateFlowSet(257, scope, opts),
      dataSet(257, [record([...scope, ...opts], [0, 5, 100])], 3),
      dataSet(256, [rec, rec, rec]),
    ]),
    v9Packet(3, T0, 1000, [dataSet(256, [rec, rec])]),
  ];
}

function v5Seeds(): Uint8Array[] {
  const flow = {
    src: '10.0.0.1',
    dst: '10.0.0.2',
    srcPort: 1,
    dstPort: 2,
    protocol: 6,
    packets: 2,
    bytes: 100,
    firstUptime: 0,
    lastUptime: 10,
  };
  return [
    v5Packet([flow, flow, flow], T0, 100, { samplingInterval: 10 }),
    v5Packet([flow], T0, 100),
  ];
}

function sflowSeeds(): Uint8Array[] {
  return [
    sflowDatagram(
      '192.0.2.9',
      0,
      [
        { samplingRate: 64, frame: ethernetFrame(ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg)) },
        {
          samplingRate: 64,
          frame: ethernetFrame(
            ipv4Packet('10.0.0.2', '10.0.0.1', 6, tcpSegment(8080, 40000, 0x12, new Uint8Array(0))),
          ),
          expanded: true,
        },
        {
          samplingRate: 64,
          headerProtocol: 12,
          frame: ipv6Packet('2001:db8::1', '2001:db8::2', 17, udpDatagram(1, 2, payload)),
        },
      ],
      [sflowCountersSample()],
    ),
  ];
}

export function seedsFor(target: FuzzTarget): Uint8Array[] {
  switch (target) {
    case 'netflow5':
      return v5Seeds();
    case 'netflow9':
      return v9Seeds();
    case 'ipfix':
      return ipfixSeeds();
    case 'sflow':
      return sflowSeeds();
  }
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'u16random'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number };

const boundary16 = fc.constantFrom(0, 1, 3, 4, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff);
const boundary32 = fc.constantFrom(0, 1, 5, 0x7fffffff, 0x80000000, 0xffffffff);
const pos = fc.nat({ max: 1 << 16 });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: pos,
      value: fc.nat({ max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: pos }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: pos,
      bytes: fc.uint8Array({ maxLength: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      at: pos,
      length: fc.nat({ max: 64 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('u16' as const), at: pos, value: boundary16 }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('u32' as const), at: pos, value: boundary32 }),
  },
  // Any 16-bit value: new template ids, set ids and lengths, so caches fill and evict.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('u16random' as const),
      at: pos,
      value: fc.nat({ max: 0xffff }),
    }),
  },
);

function apply(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = seed.slice();
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b[at] = m.value;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case 'duplicate': {
        const slice = b.subarray(at, at + m.length);
        b = Uint8Array.from([...b.subarray(0, at), ...slice, ...b.subarray(at)]);
        break;
      }
      case 'u16':
      case 'u16random':
        if (at + 1 < b.length) {
          b[at] = m.value >> 8;
          b[at + 1] = m.value & 255;
        }
        break;
      case 'u32':
        if (at + 3 < b.length) {
          b[at] = m.value >>> 24;
          b[at + 1] = (m.value >>> 16) & 255;
          b[at + 2] = (m.value >>> 8) & 255;
          b[at + 3] = m.value & 255;
        }
        break;
    }
  }
  return b;
}

/** A valid announcement of a template under a random id, to put the caches under pressure. */
function templateAnnouncement(target: FuzzTarget, id: number, domain: number): Uint8Array {
  return target === 'ipfix'
    ? ipfixMessage(domain, T0, [ipfixTemplateSet([{ id, fields: ipfixFields }])])
    : v9Packet(domain, T0, 1000, [v9TemplateFlowSet([{ id, fields: v9Fields }])]);
}

export function mutatedInputs(
  target: FuzzTarget,
): fc.Arbitrary<{ bytes: Uint8Array; exporter: number }> {
  const seeds = seedsFor(target);
  // Mostly one exporter, so its caches fill; sometimes many, so exporters are evicted too.
  const exporter = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat({ max: 40 }));
  const mutated = fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
      exporter,
    })
    .map(({ seed, mutations, exporter }) => ({ bytes: apply(seeds[seed]!, mutations), exporter }));
  if (target !== 'ipfix' && target !== 'netflow9') return mutated;
  const announced = fc
    .record({
      id: fc.integer({ min: 256, max: 0xffff }),
      domain: fc.nat({ max: 3 }),
      mutations: fc.array(mutation, { maxLength: 2 }),
      exporter,
    })
    .map(({ id, domain, mutations, exporter }) => ({
      bytes: apply(templateAnnouncement(target, id, domain), mutations),
      exporter,
    }));
  return fc.oneof({ weight: 5, arbitrary: mutated }, { weight: 1, arbitrary: announced });
}

export const FUZZ_LIMITS = {
  maxTemplatesPerDomain: 8,
  maxExporters: 16,
  sflowMaxFlows: 64,
} as const;

export interface FuzzOutcome {
  readonly cases: number;
  readonly records: number;
  readonly maxTemplatesHeld: number;
  readonly sflowFlowsOpen: number;
  readonly internalErrors: number;
  readonly templateEvictions: number;
}

/**
 * Run `numRuns` mutated inputs through one decoder (templates persist across cases, as on
 * a live socket). Throws (via fast-check) when a decode throws, reports an internal error,
 * or any cache grows past its bound.
 */
export function fuzzDecoder(target: FuzzTarget, numRuns: number, seed?: number): FuzzOutcome {
  const decoder = new FlowExportDecoder(FUZZ_LIMITS);
  const seeds = seedsFor(target);
  for (const s of seeds) decoder.decode(s, 'exporter-0');
  let cases = 0;
  let records = 0;
  fc.assert(
    fc.property(mutatedInputs(target), ({ bytes, exporter }) => {
      cases++;
      const r = decoder.decode(bytes, `exporter-${exporter}`);
      records += r.records.length;
      if (r.rejected === 'internal-error') throw new Error('decoder reported an internal error');
      for (const f of r.records) {
        if (f.initiatorPayload !== null && f.initiatorPayload.length > 1024)
          throw new Error('payload bound');
        if (!Number.isFinite(f.startMs) || !Number.isFinite(f.bytesFwd))
          throw new Error('non-finite field');
      }
      if (cases % 1000 === 0) {
        records += decoder.flushExpired(Number.MAX_SAFE_INTEGER).length;
        if (decoder.maxTemplatesHeld() > FUZZ_LIMITS.maxTemplatesPerDomain)
          throw new Error('template cache past its bound');
        if (decoder.stats().sflowFlowsOpen > FUZZ_LIMITS.sflowMaxFlows)
          throw new Error('sFlow table past its bound');
      }
    }),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  );
  const stats = decoder.stats();
  return {
    cases,
    records,
    maxTemplatesHeld: decoder.maxTemplatesHeld(),
    sflowFlowsOpen: stats.sflowFlowsOpen,
    internalErrors: stats.rejects['internal-error'],
    templateEvictions: stats.templateEvictions,
  };
}
