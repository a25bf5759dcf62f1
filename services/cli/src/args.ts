/** A bad command line: exit 2 with a one-line reason. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One subcommand of `opaqueflow`: main.ts lists them in its command table. */
export interface Command {
  /** One line for `opaqueflow --help`. */
  readonly summary: string;
  /** What `opaqueflow <command> --help` prints. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Whether the command line asks for help (before any `--`, which ends the options). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * Runs a node:util parseArgs call (the one way every command parses its options) and turns
 * its coded errors into one-line UsageErrors that name the command.
 */
export function usageErrors<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    const message = (err as Error).message;
    const option = /'(-[^']+)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined)
      throw new UsageError(
        `unknown option "${option}" for ${command} (see: opaqueflow ${command} --help)`,
      );
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      const flag = option.split(' ')[0]!;
      throw new UsageError(
        message.includes('does not take an argument')
          ? `${flag} takes no value (see: opaqueflow ${command} --help)`
          : `${flag} needs a value (see: opaqueflow ${command} --help)`,
      );
    }
    throw new UsageError(`${command}: ${message.split('\n')[0]!}`);
  }
}
