import { readFileSync } from 'node:fs';
import { analyzeCommand } from './analyze.js';
import type { Command } from './args.js';
import { UsageError, wantsHelp } from './args.js';
import { InputError } from './inputs.js';
import { startCommand } from './start.js';

/** The subcommands: one entry each, in the order `opaqueflow --help` lists them. */
const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  analyze: analyzeCommand,
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.summary}`);
  return `usage: opaqueflow <command> [options]   (opaqueflow <command> --help for its options)
${lines.join('\n')}
  --version                                   print the version
`;
}

/** The package's own version, from its package.json (one level above src/ and dist/). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`opaqueflow ${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined)
    throw new UsageError(
      `unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')}, --help)`,
    );
  if (wantsHelp(rest)) {
    process.stdout.write(command.usage);
    return 0;
  }
  return await command.run(rest);
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
