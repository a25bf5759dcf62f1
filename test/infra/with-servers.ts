// Starts the servers a command needs, runs it with their addresses in its environment,
// stops them, and exits with the command's exit code.
//   node --import tsx --conditions=source test/infra/with-servers.ts [--only kafka,registry,redis] -- <command…>
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseWithServersArgs, InfraConfigError } from './env.js';
import { describeServer, startServers, type RunningServers } from './servers.js';

function log(line: string): void {
  console.log(`[servers] ${line}`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseWithServersArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof InfraConfigError) {
      console.error(`with-servers: ${error.message}`);
      return 2;
    }
    throw error;
  }

  let servers: RunningServers | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  let signalled: NodeJS.Signals | undefined;
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = signal;
    log(`${signal}: stopping`);
    abort.abort(signal);
    // The command sees the signal first and gets to clean up; the servers stop after it.
    if (child && child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const t0 = Date.now();
  try {
    log(`starting ${args.only.join(', ')}`);
    try {
      servers = await startServers(args.only, process.env, undefined, abort.signal);
    } catch (error) {
      if (signalled) return 128 + (constants.signals[signalled] ?? 0);
      console.error(`[servers] could not start: ${(error as Error).message}`);
      return 1;
    }
    for (const leftover of servers.reaped)
      log(`stopped a leftover of a run that died: ${leftover}`);
    for (const handle of servers.handles) log(describeServer(handle));
    log(`all up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (signalled) return 128 + (constants.signals[signalled] ?? 0);

    const [command = '', ...rest] = args.command;
    const running = spawn(command, rest, {
      stdio: 'inherit',
      env: { ...process.env, ...servers.env },
    });
    child = running;
    const code = await new Promise<number>((resolve) => {
      running.once('error', (error) => {
        console.error(`[servers] could not run ${command}: ${error.message}`);
        resolve(127);
      });
      running.once('exit', (exitCode, signal) =>
        resolve(exitCode ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
      );
    });
    return code;
  } finally {
    if (servers) {
      const t1 = Date.now();
      await servers.stopAll();
      log(`stopped in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('[servers] failed:', error);
    process.exit(1);
  },
);
