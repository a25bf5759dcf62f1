import { FlowExportListeners } from '@opaqueflow/svc-ingest';
import { EmbeddedPipeline } from './embedded.js';
import { UsageError } from './args.js';

export interface StartArgs {
  readonly host: string;
  readonly netflowPort: number | null;
  readonly ipfixPort: number | null;
  readonly sflowPort: number | null;
  /** Stop after this many seconds (null: until SIGINT/SIGTERM). */
  readonly durationS: number | null;
}

const DEFAULTS: StartArgs = {
  // Loopback by default: listening on every interface is a choice the user makes.
  host: '127.0.0.1',
  netflowPort: 2055,
  ipfixPort: 4739,
  sflowPort: 6343,
  durationS: null,
};

function portOf(flag: string, value: string | undefined): number | null {
  if (value === 'off') return null;
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} must be a port number 0–65535 or "off", not "${value ?? ''}"`);
  return n;
}

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: { -readonly [K in keyof StartArgs]: StartArgs[K] } = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--host':
        if (value === undefined) throw new UsageError('--host needs an address');
        args.host = value;
        break;
      case '--netflow-port':
        args.netflowPort = portOf(flag, value);
        break;
      case '--ipfix-port':
        args.ipfixPort = portOf(flag, value);
        break;
      case '--sflow-port':
        args.sflowPort = portOf(flag, value);
        break;
      case '--duration': {
        const s = Number(value);
        if (!Number.isFinite(s) || s <= 0)
          throw new UsageError(
            `--duration must be a positive number of seconds, not "${value ?? ''}"`,
          );
        args.durationS = s;
        break;
      }
      default:
        throw new UsageError(`unknown option "${flag}" for start`);
    }
    i += 1;
  }
  return args;
}

/**
 * `opaqueflow start`: the embedded pipeline. NetFlow v5/v9, IPFIX (UDP and TCP) and sFlow
 * listeners feed features and the scorer in this process; each new or updated detection is
 * written to stdout as one JSON line, status to stderr.
 */
export async function start(argv: readonly string[]): Promise<number> {
  const args = parseStartArgs(argv);
  const pipeline = new EmbeddedPipeline({ clock: 'wall' });
  let flows = 0;
  let detections = 0;
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
      flows += records.length;
      const seen = new Set<string>();
      for (const { detection } of await pipeline.process(records)) {
        if (detection === null || seen.has(detection.id)) continue;
        seen.add(detection.id);
        detections += 1;
        process.stdout.write(JSON.stringify(detection) + '\n');
      }
    },
  });
  const ports = await listeners.start();
  const listening = [
    ports.netflow === null ? null : `NetFlow v5/v9 udp/${ports.netflow}`,
    ports.ipfixUdp === null ? null : `IPFIX udp/${ports.ipfixUdp} tcp/${ports.ipfixTcp}`,
    ports.sflow === null ? null : `sFlow udp/${ports.sflow}`,
  ].filter((x) => x !== null);
  process.stderr.write(
    `opaqueflow: embedded pipeline listening on ${args.host} for ${listening.join(', ')}; detections go to stdout as JSON lines (Ctrl-C stops)\n` +
      'opaqueflow: flows are judged on payload evidence: sFlow raw packet headers, IPFIX payload sections (313-315) or YAF payload; ' +
      'exports without it (NetFlow v5, plain softflowd) are counted as insufficient. For a capture file: opaqueflow analyze <file>\n',
  );

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (args.durationS !== null) setTimeout(stop, args.durationS * 1000).unref();
  });
  await listeners.idle();
  await listeners.close();
  pipeline.close();
  process.stderr.write(`opaqueflow: stopped after ${flows} flows, ${detections} detections\n`);
  return 0;
}
