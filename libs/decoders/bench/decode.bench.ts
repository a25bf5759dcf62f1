// pnpm bench:decode — decoder throughput on one core. Prints a table and writes
// bench-results/decode.json (flat named numbers plus cpuModel and cores).
//
// Two views of each case: the median wall-clock pass (tinybench) and the CPU time the
// process spent per pass; on a shared machine the second is the one that says what the
// code does on one core.
//
// Every figure comes from one entry of `cases`: a name, the input it chews per call
// (bytes, and packets or records), and the call. Adding a decoder's numbers is adding
// a case to the list.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { CaptureReader, flowsFromCapture, readCapture } from '../src/index.js';
import { generateCapture } from './generate-capture.js';
import { flowExportCases } from './flow-export.cases.js';
import { pcapngFile } from '../test/capture/frames.js';

export interface DecodeBenchCase {
  /** Figures are reported as `<name>_<unit>_per_s` and `<name>_mb_per_s`. */
  readonly name: string;
  readonly description: string;
  /** What one call processes. */
  readonly bytesPerCall: number;
  readonly unitsPerCall: number;
  /** "packets" for captures, "records" for flow exports. */
  readonly unit: 'packets' | 'records';
  readonly fn: () => void;
}

const PACKETS = Number(process.env['BENCH_DECODE_PACKETS'] ?? 200_000);
const TIME_MS = Number(process.env['BENCH_TIME_MS'] ?? 3000);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let sink = 0;

function captureCases(): DecodeBenchCase[] {
  const pcap = generateCapture({ packets: PACKETS, concurrentFlows: 256, seed: 1 });
  const packets = readCapture(pcap).packets;
  const pcapng = pcapngFile(
    [{ linkType: 1, tsresol: 9 }],
    packets.map((p) => ({ timestampMs: p.timestampMs, data: p.data })),
  );
  return [
    {
      name: 'pcap_read',
      description: 'pcap records only (no decoding)',
      bytesPerCall: pcap.length,
      unitsPerCall: packets.length,
      unit: 'packets',
      fn: () => {
        const reader = new CaptureReader((p) => (sink += p.data.length));
        reader.push(pcap);
        reader.end();
      },
    },
    {
      name: 'pcap_flows',
      description: 'pcap → decoded packets → flow table → FlowRecords',
      bytesPerCall: pcap.length,
      unitsPerCall: packets.length,
      unit: 'packets',
      fn: () => {
        sink += flowsFromCapture(pcap).flows.length;
      },
    },
    {
      name: 'pcapng_flows',
      description: 'the same traffic as pcapng (enhanced packet blocks, ns stamps)',
      bytesPerCall: pcapng.length,
      unitsPerCall: packets.length,
      unit: 'packets',
      fn: () => {
        sink += flowsFromCapture(pcapng).flows.length;
      },
    },
  ];
}

/** Every case the benchmark runs; flow-export decoders add theirs here. */
const cases: DecodeBenchCase[] = [...captureCases(), ...flowExportCases()];

const bench = new Bench({ time: TIME_MS, iterations: 3, warmup: true, warmupIterations: 1 });
for (const c of cases) bench.add(c.name, c.fn);
bench.runSync();

/**
 * Seconds of this process's CPU per call, over a few calls: on a machine shared with other
 * work the wall clock mostly measures the neighbours, CPU time measures the code. It
 * includes V8's helper threads (GC), so it is if anything pessimistic for one core.
 */
function cpuSecondsPerCall(fn: () => void, calls = 3): number {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 / calls;
}

const figures: Record<string, number | string> = {};
const table: Record<string, string | number>[] = [];
for (const c of cases) {
  const result = bench.tasks.find((t) => t.name === c.name)?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`case ${c.name} did not run`);
  // The median pass: on a shared machine, passes that lost the core say nothing about the code.
  const seconds = (result.latency.p50 ?? result.latency.mean) / 1000;
  const unitsPerSecond = c.unitsPerCall / seconds;
  const mbPerSecond = c.bytesPerCall / seconds / 1e6;
  const cpuSeconds = cpuSecondsPerCall(c.fn);
  figures[`${c.name}_${c.unit}_per_s`] = Math.round(unitsPerSecond);
  figures[`${c.name}_mb_per_s`] = Number(mbPerSecond.toFixed(1));
  figures[`${c.name}_${c.unit}_per_cpu_s`] = Math.round(c.unitsPerCall / cpuSeconds);
  figures[`${c.name}_mb_per_cpu_s`] = Number((c.bytesPerCall / cpuSeconds / 1e6).toFixed(1));
  table.push({
    case: c.name,
    [`${c.unit}/s`]: Math.round(unitsPerSecond).toLocaleString('en-US'),
    'MB/s': Number(mbPerSecond.toFixed(1)),
    [`${c.unit}/CPU-s`]: Math.round(c.unitsPerCall / cpuSeconds).toLocaleString('en-US'),
    'MB/CPU-s': Number((c.bytesPerCall / cpuSeconds / 1e6).toFixed(1)),
    'input MB': Number((c.bytesPerCall / 1e6).toFixed(1)),
    passes: result.latency.samples.length,
    what: c.description,
  });
}
const flowCount = flowsFromCapture(generateCapture({ packets: 20_000, seed: 2 })).flows.length;
figures['sample_flows_per_20k_packets'] = flowCount;
figures['cpuModel'] = cpus()[0]?.model ?? 'unknown';
figures['cores'] = cpus().length;

console.table(table);
mkdirSync(`${repoRoot}bench-results`, { recursive: true });
writeFileSync(`${repoRoot}bench-results/decode.json`, `${JSON.stringify(figures, null, 2)}\n`);
console.log(`wrote bench-results/decode.json (sink ${sink > 0 ? 'ok' : 'empty'})`);
