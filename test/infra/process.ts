import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLogTail } from './log-tail.js';
import { recordServer } from './reaper.js';

function seconds(ms: number): string {
  return `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
}

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface SpawnedServer {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

/**
 * Starts a server as the leader of its own process group, stdout and stderr appended to
 * `logFile`. Its own group lets stop() reach anything the server forked, and keeps a
 * Ctrl-C in the terminal from killing it before we have shut it down in order.
 */
export function spawnServer(
  name: string,
  command: string,
  args: readonly string[],
  options: {
    cwd: string;
    logFile: string;
    env?: NodeJS.ProcessEnv;
    /** Records the process so a later run can stop it if we die first (see reaper.ts). */
    workDir?: string;
  },
): SpawnedServer {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  let gone = false;
  const unrecord =
    options.workDir !== undefined && child.pid !== undefined
      ? recordServer({ ownerPid: process.pid, pid: child.pid, name, workDir: options.workDir })
      : undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      unrecord?.();
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      gone = true;
      resolve(`spawn error: ${error.message}`);
    });
  });
  return { name, child, logFile: options.logFile, exited, hasExited: () => gone };
}

/**
 * Polls `probe` until it returns true, the process exits, or `timeoutMs` passes. Failure
 * names the server and carries its log tail, which is what one needs to see why.
 */
export async function awaitReady(
  server: SpawnedServer,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) {
      throw new ServerStartError(`${server.name}: start abandoned (${String(signal.reason)})`);
    }
    if (server.hasExited()) {
      const code = await server.exited;
      throw new ServerStartError(
        `${server.name} exited (${code}) before it was ready; last lines of ${server.logFile}:\n` +
          (await readLogTail(server.logFile)),
      );
    }
    let ready = false;
    try {
      ready = await probe();
    } catch {
      ready = false;
    }
    if (ready) return;
    if (Date.now() > deadline) {
      throw new ServerStartError(
        `${server.name} did not come up within ${seconds(timeoutMs)}; last lines of ${server.logFile}:\n` +
          (await readLogTail(server.logFile)),
      );
    }
    await sleep(intervalMs);
  }
}

/** Prefixes a failure with what was being attempted, keeping the original as `cause`. */
export async function withContext<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw new ServerStartError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Waits for `promise` at most `ms`; the timer is cleared either way, so a pending timeout
 * never keeps the process alive after the work is done.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM to the server's process group, SIGKILL after `graceMs`. Idempotent; resolves
 * when the process is gone.
 */
export async function stopServer(server: SpawnedServer, graceMs = 15_000): Promise<void> {
  if (server.hasExited()) return;
  const pid = server.child.pid;
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone between the check and the signal.
    }
  };
  signalGroup('SIGTERM');
  if ((await withTimeout(server.exited, graceMs)) === 'timeout') {
    signalGroup('SIGKILL');
    await server.exited;
  }
}

/** Runs a command to completion, its output appended to `logFile`; rejects on non-zero exit. */
export async function runToLog(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; timeoutMs: number },
): Promise<void> {
  const proc = spawnServer(name, command, args, options);
  const result = await withTimeout(proc.exited, options.timeoutMs);
  if (result === 'timeout') {
    await stopServer(proc, 2000);
    throw new ServerStartError(
      `${name} did not finish within ${seconds(options.timeoutMs)}; last lines of ${options.logFile}:\n` +
        (await readLogTail(options.logFile)),
    );
  }
  if (result !== 0) {
    throw new ServerStartError(
      `${name} failed (${result}); last lines of ${options.logFile}:\n` +
        (await readLogTail(options.logFile)),
    );
  }
}
