import { analyze } from './analyze.js';
import { parseAnalyzeArgs, UsageError } from './args.js';
import { InputError } from './inputs.js';
import { start } from './start.js';

const USAGE = `usage: opaqueflow <command>
  start                                       run the embedded pipeline
  analyze [--all] [--format jsonl|table] <file…>   pcap, pcapng or IPFIX files
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'analyze': {
      const out = await analyze(parseAnalyzeArgs(rest));
      for (const w of out.warnings) process.stderr.write(`opaqueflow: ${w}\n`);
      process.stdout.write(out.stdout);
      return 0;
    }
    case 'start':
      return await start(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (try: start, analyze)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof InputError) {
      process.stderr.write(`opaqueflow: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`opaqueflow: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
