import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Detection } from '@opaqueflow/flow-model';
import { compileScorerConfig } from '@opaqueflow/scoring';
import { FlowExportListeners } from '@opaqueflow/svc-ingest';
import type {
  CoverageAccumulator,
  MemoryDetectionView,
  MemoryExceptionAdmin,
} from '@opaqueflow/svc-query';
import type { Command } from './args.js';
import { UsageError, usageErrors } from './args.js';
import { analyzeFlows, EmbeddedPipeline } from './embedded.js';
import { loadInput } from './inputs.js';
import { totalsLine } from './totals.js';
import type { PipelineTotals } from './totals.js';

export interface StartArgs {
  readonly host: string;
  readonly netflowPort: number | null;
  readonly ipfixPort: number | null;
  readonly sflowPort: number | null;
  /** Stop after this many seconds (null: until SIGINT/SIGTERM). */
  readonly durationS: number | null;
  /** Seconds between status lines on stderr (null: none). */
  readonly statusIntervalS: number | null;
  /** The query API's address and port (null: no API). */
  readonly apiHost: string;
  readonly apiPort: number | null;
  /** Replay the bundled sample capture first, so the API has detections at once. */
  readonly sample: boolean;
}

/** A small capture shipped with the package (from test/corpus/ci): opaque channels and TLS/SSH. */
export const SAMPLE_CAPTURE = fileURLToPath(new URL('../samples/sample.pcap', import.meta.url));

const USAGE = `usage: opaqueflow start [options]

Runs the embedded pipeline: NetFlow v5/v9, IPFIX (UDP and TCP) and sFlow listeners feed
features and the scorer in this process, and the query API serves the detections on
http://127.0.0.1:8080 (the URL and an API key are printed; OPAQUEFLOW_API_KEY sets the key).
A bundled sample capture is replayed first so the API has detections at once. Each new or
updated live detection also goes to stdout as one JSON line; status and totals to stderr.

  --host ADDRESS          address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --netflow-port PORT     NetFlow v5/v9 UDP port (default 2055; 0 picks a free one; off)
  --ipfix-port PORT       IPFIX UDP and TCP port (default 4739; 0 picks a free one; off)
  --sflow-port PORT       sFlow v5 UDP port (default 6343; 0 picks a free one; off)
  --duration SECONDS      stop after this long (default: until Ctrl-C / SIGTERM)
  --status-interval SECONDS
                          seconds between totals lines on stderr (default 60; off)
  --api-host ADDRESS      address of the query API (default 127.0.0.1)
  --api-port PORT         port of the query API (default 8080; 0 picks a free one; off)
  --no-sample             do not replay the bundled sample capture
  -h, --help              this text

Exit status: 0 after a clean stop; 2 bad usage.
`;

function portOf(flag: string, value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (value === 'off') return null;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 65535))
    throw new UsageError(`${flag} must be a port number 0–65535 or "off", not "${value}"`);
  return n;
}

function secondsOf(
  flag: string,
  value: string | undefined,
  fallback: number | null,
): number | null {
  if (value === undefined) return fallback;
  if (value === 'off') return null;
  const s = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(s) || s <= 0)
    throw new UsageError(`${flag} must be a positive number of seconds, not "${value}"`);
  return s;
}

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const { values } = usageErrors('start', () =>
    parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        'netflow-port': { type: 'string' },
        'ipfix-port': { type: 'string' },
        'sflow-port': { type: 'string' },
        duration: { type: 'string' },
        'status-interval': { type: 'string' },
        'api-host': { type: 'string' },
        'api-port': { type: 'string' },
        'no-sample': { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    }),
  );
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host needs an address, not ""');
  return {
    // Loopback by default: listening on every interface is a choice the user makes.
    host,
    netflowPort: portOf('--netflow-port', values['netflow-port'], 2055),
    ipfixPort: portOf('--ipfix-port', values['ipfix-port'], 4739),
    sflowPort: portOf('--sflow-port', values['sflow-port'], 6343),
    durationS: secondsOf('--duration', values.duration, null),
    statusIntervalS: secondsOf('--status-interval', values['status-interval'], 60),
    apiHost: values['api-host'] ?? '127.0.0.1',
    apiPort: portOf('--api-port', values['api-port'], 8080),
    sample: values['no-sample'] !== true,
  };
}

/** setTimeout holds a signed 32-bit delay; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `done` after `ms` however long that is; returns a cancel function. */
export function afterLong(ms: number, done: () => void): () => void {
  const deadline = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = deadline - Date.now();
    if (left <= 0) return done();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

function status(line: string): void {
  process.stderr.write(`opaqueflow: ${line}\n`);
}

/**
 * `opaqueflow start`: the embedded pipeline. NetFlow v5/v9, IPFIX (UDP and TCP) and sFlow
 * listeners feed features and the scorer in this process; each new or updated detection is
 * written to stdout as one JSON line, status to stderr.
 */
export async function start(argv: readonly string[]): Promise<number> {
  const args = parseStartArgs(argv);
  // Loaded here, not at the top: analyze and --help need no HTTP server, Redis or Kafka code.
  const {
    CoverageAccumulator,
    MemoryDetectionView,
    MemoryExceptionAdmin,
    StoreBaselineReader,
    startEmbeddedApi,
  } = await import('@opaqueflow/svc-query');
  // The view keeps what the sample and the listeners produced (bounded by its size, not by
  // age: a replayed capture is months old); exceptions go to the scorer's own store.
  const view = new MemoryDetectionView({
    retentionMs: Number.POSITIVE_INFINITY,
    maxDetections: 100_000,
  });
  const exceptions = new MemoryExceptionAdmin();
  const coverage = new CoverageAccumulator();
  const pipeline = new EmbeddedPipeline({ clock: 'wall', exceptions: exceptions.store });
  const totals: { flows: number; detections: number } = { flows: 0, detections: 0 };
  const listeners = new FlowExportListeners({
    host: args.host,
    netflowPort: args.netflowPort,
    ipfixUdpPort: args.ipfixPort,
    ipfixTcpPort: args.ipfixPort,
    sflowPort: args.sflowPort,
    logger: {
      warn: (fields: Record<string, unknown>, message: string) =>
        process.stderr.write(`opaqueflow: ${message} ${JSON.stringify(fields)}\n`),
    },
    onRecords: async (records) => {
      totals.flows += records.length;
      const seen = new Set<string>();
      const analyzed = await pipeline.process(records);
      coverage.add(analyzed.map((a) => a.features));
      const latest: Detection[] = [];
      for (const { detection } of analyzed) {
        if (detection === null) continue;
        latest.push(detection);
        if (seen.has(detection.id)) continue;
        seen.add(detection.id);
        totals.detections += 1;
        process.stdout.write(JSON.stringify(detection) + '\n');
      }
      await view.upsert(latest);
    },
  });
  const snapshot = (): PipelineTotals => ({
    listeners: listeners.stats(),
    flows: totals.flows,
    detections: totals.detections,
    state: pipeline.stateSize(),
  });
  if (args.sample) {
    const { flows, detections } = await replaySample(view, exceptions, coverage);
    status(
      `replayed the bundled sample capture: ${flows} flows, ${detections} detections in the API (--no-sample skips it)`,
    );
  }
  const api =
    args.apiPort === null
      ? null
      : await startEmbeddedApi({
          host: args.apiHost,
          port: args.apiPort,
          view,
          exceptions,
          baselines: new StoreBaselineReader(pipeline.store, compileScorerConfig(), () =>
            Promise.resolve(pipeline.store.portKeys()),
          ),
          coverage,
          ...(process.env.OPAQUEFLOW_API_KEY === undefined
            ? {}
            : { apiKey: process.env.OPAQUEFLOW_API_KEY }),
        });
  if (api !== null) {
    status(`query API on ${api.url} (docs: ${api.url}/docs)`);
    status(
      `API key${api.keyGenerated ? ' (generated; set OPAQUEFLOW_API_KEY to choose one)' : ' (from OPAQUEFLOW_API_KEY)'}: ${api.apiKey}`,
    );
    status(`try: curl -H 'Authorization: Bearer ${api.apiKey}' ${api.url}/v1/detections`);
  }
  const ports = await listeners.start();
  const listening = [
    ports.netflow === null ? null : `NetFlow v5/v9 udp/${ports.netflow}`,
    ports.ipfixUdp === null ? null : `IPFIX udp/${ports.ipfixUdp} tcp/${ports.ipfixTcp}`,
    ports.sflow === null ? null : `sFlow udp/${ports.sflow}`,
  ].filter((x) => x !== null);
  status(
    `embedded pipeline listening on ${args.host} for ${listening.join(', ')}; detections go to stdout as JSON lines (Ctrl-C stops)`,
  );
  status(
    'flows are judged on payload evidence: sFlow raw packet headers, IPFIX payload sections (313-315) or YAF payload; ' +
      'exports without it (NetFlow v5, plain softflowd) are counted as insufficient. For a capture file: opaqueflow analyze <file>',
  );

  const ticker =
    args.statusIntervalS === null
      ? null
      : setInterval(
          () => status(`running: ${totalsLine(snapshot())}`),
          Math.min(args.statusIntervalS * 1000, MAX_TIMER_MS),
        );
  ticker?.unref();
  let cancelDuration = (): void => undefined;
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (args.durationS !== null) cancelDuration = afterLong(args.durationS * 1000, stop);
  });
  cancelDuration();
  if (ticker !== null) clearInterval(ticker);
  await listeners.idle();
  await listeners.close();
  await api?.close();
  const final = snapshot();
  pipeline.close();
  status(
    `stopped after ${final.flows} flows, ${final.detections} detections; totals: ${totalsLine(final)}`,
  );
  return 0;
}

/**
 * The sample capture through its own event-time pipeline (a capture replays the past: the
 * live pipeline's wall-clock state would call it stale), into the API's view and coverage.
 */
async function replaySample(
  view: MemoryDetectionView,
  exceptions: MemoryExceptionAdmin,
  coverage: CoverageAccumulator,
): Promise<{ flows: number; detections: number }> {
  const input = await loadInput(SAMPLE_CAPTURE);
  const latest = new Map<string, Detection>();
  await analyzeFlows(
    input.flows,
    (a) => {
      coverage.add([a.features]);
      if (a.detection !== null) latest.set(a.detection.id, a.detection);
    },
    { exceptions: exceptions.store },
  );
  await view.upsert([...latest.values()]);
  return { flows: input.flows.length, detections: latest.size };
}

export const startCommand: Command = {
  summary:
    'start [--host A] [--api-port P] [--no-sample] [--netflow-port P] [--ipfix-port P] [--sflow-port P] [--duration S]   run the embedded pipeline and the query API on :8080',
  usage: USAGE,
  run: start,
};
