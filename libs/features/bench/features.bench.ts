// pnpm bench:features — throughput of the feature stage on one core, and the ratio of the
// TypeScript entropy loop to the same loop in C (bench/entropy.c, built here with gcc -O2).
// Prints a table and writes bench-results/features.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Bench } from 'tinybench';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { analyseRandomness, createFeatureExtractor, shannonEntropy } from '../src/index.js';
import { ascii, flowOf, seededBytes } from '../test/flow.js';
import { captureClientHello } from '../test/tls-capture.js';

const SIZES = [64, 256, 1024, 4096, 16_384];
const BLOB_BYTES = 1 << 20;
/** Input per timed pass: short enough that most passes run without losing the core. */
const PASS_BYTES = 65_536;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1000);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cSource = fileURLToPath(new URL('./entropy.c', import.meta.url));

const blob = seededBytes(BLOB_BYTES, 20_231_108);
const poolOf = (size: number): Uint8Array[] => {
  // Same formula as pool_size() in entropy.c: both sides time the same buffers.
  const count = Math.min(256, Math.max(1, Math.floor(PASS_BYTES / size)));
  return Array.from({ length: count }, (_, i) => blob.subarray(i * size, (i + 1) * size));
};

let sink = 0;

// --- entropy loop: TypeScript ---
const entropyBench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 200 });
const analyseBench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 200 });
const jsPoolSums = new Map<number, number>();
for (const size of SIZES) {
  const pool = poolOf(size);
  jsPoolSums.set(
    size,
    pool.reduce((s, b) => s + shannonEntropy(b), 0),
  );
  entropyBench.add(String(size), () => {
    for (const b of pool) sink += shannonEntropy(b);
  });
  analyseBench.add(String(size), () => {
    for (const b of pool) sink += analyseRandomness(b).entropy;
  });
}
entropyBench.runSync();
analyseBench.runSync();

/**
 * Seconds per iteration of a task: the median, not the mean, because the machine is shared and
 * iterations that lost the core to another process say nothing about the code (the C side
 * takes its fastest round for the same reason).
 */
function secondsPerIteration(bench: Bench, name: string): number {
  const result = bench.tasks.find((t) => t.name === name)?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`task ${name} did not run`);
  return (result.latency.p50 ?? result.latency.mean) / 1000;
}

/** Megabytes per second from a task that processes `bytes` per iteration. */
function mbps(bench: Bench, name: string, bytes: number): number {
  return bytes / secondsPerIteration(bench, name) / 1e6;
}

// --- entropy loop: C ---
const work = mkdtempSync(join(tmpdir(), 'opaqueflow-entropy-'));
const cResults = new Map<number, { mbps: number; poolSum: number }>();
try {
  const blobPath = join(work, 'blob.bin');
  writeFileSync(blobPath, blob);
  const binary = join(work, 'entropy');
  execFileSync('gcc', ['-O2', '-o', binary, cSource, '-lm'], { stdio: 'inherit' });
  const out = execFileSync(binary, [blobPath, String(TIME_MS), ...SIZES.map(String)], {
    encoding: 'utf8',
  });
  for (const line of out.trim().split('\n')) {
    const fields = Object.fromEntries(
      line.split(' ').map((kv) => kv.split('=') as [string, string]),
    );
    const size = Number(fields.size);
    const bytesPerPass = Number(fields.pool) * size;
    cResults.set(size, {
      mbps: bytesPerPass / Number(fields.median_pass_seconds) / 1e6,
      poolSum: Number(fields.poolsum),
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// --- full extractor on a mix of flows ---
const hello = await captureClientHello({ servername: 'bench.example', alpn: ['h2', 'http/1.1'] });
const httpRequest = ascii(
  'GET /index.html HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n',
);
const httpResponse = ascii(
  `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 900\r\n\r\n${'<p>hello</p>'.repeat(75)}`,
);
const gz = Uint8Array.from(
  gzipSync(
    Buffer.from(JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ i, name: `item-${i}` })))),
  ),
).subarray(0, 1024);
const kinds: Record<string, FlowRecord[]> = {
  opaque: [],
  tls: [],
  http: [],
  compressed: [],
  'wireguard-udp': [],
};
for (let i = 0; i < 64; i++) {
  kinds.opaque?.push(
    flowOf({
      initiator: seededBytes(1024, i),
      responder: seededBytes(1024, i + 1000),
      dstPort: 8081,
    }),
  );
  kinds.tls?.push(
    flowOf({ initiator: hello, responder: seededBytes(1024, i + 2000), dstPort: 443 }),
  );
  kinds.http?.push(flowOf({ initiator: httpRequest, responder: httpResponse, dstPort: 80 }));
  kinds.compressed?.push(
    flowOf({ initiator: ascii('RETR archive.gz\r\n'), responder: gz, dstPort: 40_000 }),
  );
  kinds['wireguard-udp']?.push(
    flowOf({ initiator: seededBytes(148, i + 3000), transport: 'udp', dstPort: 51_820 }),
  );
}
const payloadBytes = (list: readonly FlowRecord[]): number =>
  list.reduce(
    (s, f) => s + (f.initiatorPayload?.length ?? 0) + (f.responderPayload?.length ?? 0),
    0,
  );
const flows = Object.values(kinds).flat();
const flowBytes = payloadBytes(flows);
const extract = createFeatureExtractor();
const flowSets: [string, FlowRecord[]][] = [['mix', flows], ...Object.entries(kinds)];
const extractorBench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 300 });
for (const [name, list] of flowSets) {
  extractorBench.add(name, () => {
    for (const f of list) sink += extract(f).evidence.length;
  });
}
extractorBench.runSync();
const passSeconds = secondsPerIteration(extractorBench, 'mix');

// --- report ---
const results: Record<string, number | string> = {};
const rows: string[][] = [
  ['size (bytes)', 'TS entropy MB/s', 'C entropy MB/s', 'TS/C speed', 'TS full randomness MB/s'],
];
for (const size of SIZES) {
  const pool = poolOf(size);
  const js = mbps(entropyBench, String(size), pool.length * size);
  const full = mbps(analyseBench, String(size), pool.length * size);
  const c = cResults.get(size);
  if (c === undefined) throw new Error(`C produced no result for ${size}`);
  const jsSum = jsPoolSums.get(size) ?? Number.NaN;
  if (Math.abs(jsSum - c.poolSum) > 1e-6 * pool.length) {
    throw new Error(`TS and C disagree on entropy at ${size} bytes: ${jsSum} vs ${c.poolSum}`);
  }
  results[`entropy_ts_mb_per_s_${size}`] = round(js);
  results[`entropy_c_mb_per_s_${size}`] = round(c.mbps);
  results[`entropy_ts_to_c_speed_ratio_${size}`] = round(js / c.mbps, 3);
  results[`randomness_ts_mb_per_s_${size}`] = round(full);
  rows.push([String(size), fmt(js), fmt(c.mbps), (js / c.mbps).toFixed(2), fmt(full)]);
}
results.extractor_flows_per_s = round(flows.length / passSeconds);
results.extractor_payload_mb_per_s = round(flowBytes / passSeconds / 1e6);
results.extractor_mean_payload_bytes_per_flow = round(flowBytes / flows.length);
for (const [name, list] of flowSets.slice(1)) {
  results[`extractor_flows_per_s_${name}`] = round(
    list.length / secondsPerIteration(extractorBench, name),
  );
}
results.cpuModel = cpus()[0]?.model ?? 'unknown';
results.cores = cpus().length;

console.log('\nEntropy loop, one core (same buffers; results checked equal)\n');
printTable(rows);
console.log('\nFull extractor (handshake, content magic, randomness, ports, verdict), one core\n');
const extractorRows = [['flows', 'count', 'payload bytes/flow', 'flows/s', 'payload MB/s']];
for (const [name, list] of flowSets) {
  const seconds = secondsPerIteration(extractorBench, name);
  const bytes = payloadBytes(list);
  extractorRows.push([
    name,
    String(list.length),
    fmt(bytes / list.length),
    fmt(list.length / seconds),
    fmt(bytes / seconds / 1e6),
  ]);
}
printTable(extractorRows);
console.log(
  `\n${String(results.cpuModel)}, ${results.cores} cores (sink ${sink > 0 ? 'ok' : 'empty'})`,
);

mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench-results', 'features.json'),
  JSON.stringify(results, null, 2) + '\n',
);
console.log('wrote bench-results/features.json');

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

function printTable(table: string[][]): void {
  const widths = table[0]?.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length))) ?? [];
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
