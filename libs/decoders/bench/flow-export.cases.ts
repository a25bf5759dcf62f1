// Flow-export decode cases for `pnpm bench:decode` (decode.bench.ts imports them).
// Each case decodes one realistic export packet per call with the templates already
// learned, as on a live collector; figures are records (sFlow: flow samples) per second.
import { FlowExportDecoder } from '../src/flow-export/index.js';
import {
  dataSet,
  ethernetFrame,
  ipfixMessage,
  ipfixTemplateSet,
  ipv4Packet,
  record,
  sflowDatagram,
  tcpSegment,
  v9Packet,
  v9TemplateFlowSet,
  type FieldSpec,
} from '../test/flow-export/builders.js';

/** Shaped like decode.bench.ts's DecodeBenchCase, so the list drops into its `cases`. */
export interface FlowExportBenchCase {
  /** Figures are reported as `<name>_records_per_s` and `<name>_mb_per_s`. */
  readonly name: string;
  readonly description: string;
  readonly bytesPerCall: number;
  /** Records (sFlow: flow samples) one call decodes. */
  readonly unitsPerCall: number;
  readonly unit: 'records';
  readonly fn: () => void;
}

/** Export packets decoded per call: a batch large enough for the timer to be noise. */
const BATCH = 2000;

const T0 = 1_700_000_000;

// The fields a router's IPFIX / NetFlow v9 flow template typically carries.
const routerFields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 6, length: 1 },
  { id: 5, length: 1 }, // ipClassOfService (skipped)
  { id: 10, length: 4 }, // ingressInterface (skipped)
  { id: 14, length: 4 }, // egressInterface (skipped)
  { id: 15, length: 4 }, // ipNextHopIPv4Address (skipped)
  { id: 1, length: 8 },
  { id: 2, length: 8 },
  { id: 152, length: 8 },
  { id: 153, length: 8 },
  { id: 136, length: 1 }, // flowEndReason (skipped)
];
const v9Fields: FieldSpec[] = routerFields.map((f) =>
  f.id === 152 ? { id: 22, length: 4 } : f.id === 153 ? { id: 21, length: 4 } : f,
);

function records(fields: FieldSpec[], count: number, v9: boolean): Uint8Array[] {
  return Array.from({ length: count }, (_, i) =>
    record(fields, [
      `10.${i & 255}.0.1`,
      `192.168.${i & 255}.2`,
      30000 + i,
      443,
      6,
      0x1b,
      0,
      1,
      2,
      0,
      1000 + i,
      10 + i,
      v9 ? 1000 : T0 * 1000,
      v9 ? 2000 : T0 * 1000 + 500,
      3,
    ]),
  );
}

function ipfixCase(): FlowExportBenchCase {
  const decoder = new FlowExportDecoder();
  const perMessage = 24; // ~1.4 KB: one message per Ethernet-MTU datagram
  decoder.decode(
    ipfixMessage(1, T0, [ipfixTemplateSet([{ id: 256, fields: routerFields }])]),
    'bench',
  );
  const msg = ipfixMessage(1, T0, [dataSet(256, records(routerFields, perMessage, false))]);
  return {
    name: 'ipfix',
    description: `IPFIX, ${perMessage} records of 15 fields per message, template known`,
    bytesPerCall: msg.length * BATCH,
    unitsPerCall: perMessage * BATCH,
    unit: 'records',
    fn: () => {
      for (let i = 0; i < BATCH; i++) {
        if (decoder.decode(msg, 'bench').records.length !== perMessage) throw new Error('ipfix');
      }
    },
  };
}

function netflow9Case(): FlowExportBenchCase {
  const decoder = new FlowExportDecoder();
  const perPacket = 28;
  decoder.decode(
    v9Packet(1, T0, 5000, [v9TemplateFlowSet([{ id: 256, fields: v9Fields }])]),
    'bench',
  );
  const packet = v9Packet(1, T0, 5000, [dataSet(256, records(v9Fields, perPacket, true))]);
  return {
    name: 'netflow9',
    description: `NetFlow v9, ${perPacket} records of 15 fields per packet, template known`,
    bytesPerCall: packet.length * BATCH,
    unitsPerCall: perPacket * BATCH,
    unit: 'records',
    fn: () => {
      for (let i = 0; i < BATCH; i++) {
        if (decoder.decode(packet, 'bench').records.length !== perPacket) throw new Error('v9');
      }
    },
  };
}

function sflowCase(): FlowExportBenchCase {
  const decoder = new FlowExportDecoder({ sflowMaxFlows: 10_000 });
  const samples = Array.from({ length: 8 }, (_, i) => ({
    samplingRate: 1000,
    frame: ethernetFrame(
      ipv4Packet(
        `10.0.${i}.1`,
        '10.1.0.1',
        6,
        tcpSegment(40000 + i, 443, 0x18, new Uint8Array(64).fill(i)),
      ),
    ),
  }));
  const datagram = sflowDatagram('192.0.2.1', 0, samples);
  return {
    name: 'sflow',
    description: `sFlow v5, ${samples.length} raw-header flow samples per datagram, flows assembled and emitted`,
    bytesPerCall: datagram.length * BATCH,
    unitsPerCall: samples.length * BATCH,
    unit: 'records',
    fn: () => {
      for (let i = 0; i < BATCH; i++) {
        decoder.decode(datagram, 'bench');
        // Emit flows now and then, as the idle timer would, so emission is measured too.
        if (i % 64 === 63) decoder.flushAll();
      }
    },
  };
}

/** Fresh cases (each owns a decoder with its templates learned). */
export function flowExportCases(): FlowExportBenchCase[] {
  return [netflow9Case(), ipfixCase(), sflowCase()];
}

/**
 * Records/s of each case on this thread, measured for about `durationMs` each after a
 * warm-up. `<name>_records_per_s` is by wall clock; `<name>_records_per_cpu_s` divides by
 * the process's CPU time instead, which stays meaningful on a machine shared with other
 * work (it also charges GC helper threads, so it errs low).
 */
export function measureFlowExport(durationMs = 2000): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of flowExportCases()) {
    c.fn();
    let calls = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < durationMs) {
      c.fn();
      calls++;
      elapsed = performance.now() - start;
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const records = calls * c.unitsPerCall;
    out[`${c.name}_records_per_s`] = Math.round((records * 1000) / elapsed);
    out[`${c.name}_records_per_cpu_s`] = Math.round((records * 1000) / cpuMs);
  }
  return out;
}

// Run directly (node --import tsx --conditions=source libs/decoders/bench/flow-export.cases.ts)
// for these figures alone.
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  console.table(measureFlowExport(Number(process.env['BENCH_TIME_MS'] ?? 3000)));
}
