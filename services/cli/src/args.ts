/** Parsed command line of `opaqueflow analyze`. */
export interface AnalyzeArgs {
  readonly all: boolean;
  readonly format: 'jsonl' | 'table';
  readonly files: readonly string[];
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FORMATS = ['jsonl', 'table'] as const;

export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs {
  let all = false;
  let format: AnalyzeArgs['format'] = 'table';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      files.push(...argv.slice(i + 1));
      break;
    } else if (arg === '--all') all = true;
    else if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg === '--format' ? argv[++i] : arg.slice('--format='.length);
      if (value === undefined) throw new UsageError('--format needs a value: jsonl or table');
      if (!(FORMATS as readonly string[]).includes(value))
        throw new UsageError(`--format must be jsonl or table, not "${value}"`);
      format = value as AnalyzeArgs['format'];
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
    else files.push(arg);
  }
  if (files.length === 0)
    throw new UsageError('analyze needs at least one pcap, pcapng or IPFIX file');
  return { all, format, files };
}
