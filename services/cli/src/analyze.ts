import type { FlowRecord } from '@opaqueflow/flow-model';
import { parseArgs } from 'node:util';
import type { Command } from './args.js';
import { UsageError, usageErrors } from './args.js';
import { analyzeFlows } from './embedded.js';
import { InputError, loadInput } from './inputs.js';
import { ChunkedWriter } from './output.js';
import { jsonlLine, rowOf, TableWriter } from './report.js';

/** Parsed command line of `opaqueflow analyze`. */
export interface AnalyzeArgs {
  readonly all: boolean;
  readonly format: 'jsonl' | 'table';
  readonly files: readonly string[];
}

const FORMATS = ['jsonl', 'table'] as const;

const USAGE = `usage: opaqueflow analyze [--all] [--format jsonl|table] <file…>

Reads pcap, pcapng or IPFIX files (told by their magic number, not their name) and runs
the embedded pipeline on their flows. gzip-compressed files (.pcap.gz, .pcapng.gz,
.ipfix.gz) are read transparently through zlib, as they stream.

  --all             one row per TCP/UDP flow, not only detections
  --format FORMAT   table (default) or jsonl: one JSON object per line with
                    ts, transport, srcIp, srcPort, dstIp, dstPort, verdict, handshake,
                    entropy, score, detected, reasons, … and split (true when the flow
                    table cut the flow into more than one record)
  -h, --help        this text

Loss is reported on stderr, one line per file and kind. A file that cannot be read is
reported and the others are still analysed. Exit status: 0 success; 2 bad usage or an
unreadable input file.
`;

export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs {
  const { values, positionals } = usageErrors('analyze', () =>
    parseArgs({
      args: [...argv],
      options: { all: { type: 'boolean', default: false }, format: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be jsonl or table, not "${format}"`);
  if (positionals.length === 0)
    throw new UsageError('analyze needs at least one pcap, pcapng or IPFIX file');
  return { all: values.all, format: format as AnalyzeArgs['format'], files: positionals };
}

function warn(line: string): void {
  process.stderr.write(`opaqueflow: ${line}\n`);
}

/**
 * `opaqueflow analyze`: files in, one report out. Each file's loss goes to stderr with its
 * name; a file that cannot be read is reported and skipped, and the exit status says so.
 */
export async function analyze(args: AnalyzeArgs): Promise<number> {
  const flows: FlowRecord[] = [];
  const split = new Set<string>();
  let unreadable = 0;
  for (const file of args.files) {
    try {
      const input = await loadInput(file);
      for (const f of input.flows) flows.push(f);
      for (const id of input.splitFlowIds) split.add(id);
      for (const note of input.notes) warn(`${file}: ${note}`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      warn(err.message);
      unreadable += 1;
    }
  }
  if (unreadable === args.files.length) return 2;

  const out = new ChunkedWriter(process.stdout);
  const table = args.format === 'table' ? new TableWriter() : null;
  let rows = 0;
  let detections = 0;
  await analyzeFlows(flows, async (analyzed) => {
    const row = rowOf(analyzed, split.has(analyzed.features.flow.flowId));
    if (row === null) return;
    rows += 1;
    if (row.detected) detections += 1;
    if (!args.all && !row.detected) return;
    if (table !== null) table.add(row);
    else await out.write(jsonlLine(row));
  });
  if (table !== null) await table.render((text) => out.write(text));
  await out.flush();

  const read = args.files.length - unreadable;
  warn(
    `analyzed ${rows.toLocaleString('en-US')} TCP/UDP flows from ${read} file${read === 1 ? '' : 's'}: ` +
      `${detections.toLocaleString('en-US')} of them in detections` +
      (unreadable > 0
        ? `; ${unreadable} unreadable file${unreadable === 1 ? '' : 's'} skipped`
        : ''),
  );
  return unreadable > 0 ? 2 : 0;
}

export const analyzeCommand: Command = {
  summary:
    'analyze [--all] [--format jsonl|table] <file…>   pcap, pcapng or IPFIX files (gzip too)',
  usage: USAGE,
  run: (argv) => analyze(parseAnalyzeArgs(argv)),
};
