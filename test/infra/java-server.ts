import { rm } from 'node:fs/promises';
import type { ClassDataSharing } from './cds.js';
import { explainJavaMismatch } from './java.js';
import { awaitReady, stopServer, type SpawnedServer } from './process.js';
import type { StartOptions } from './types.js';

export interface JavaServerWatch {
  readonly proc: SpawnedServer;
  readonly cds: ClassDataSharing;
  readonly workDir: string;
  /** How long a clean shutdown may take before the JVM is killed. */
  readonly stopGraceMs: number;
  readonly probe: () => Promise<boolean>;
  readonly pollMs: number;
  readonly options: StartOptions;
}

/**
 * Waits for a spawned JVM server to answer and returns its idempotent stop. The class-data
 * archive is kept only after a clean exit of a server that came up, and the work dir goes
 * unless asked to stay; a server that never answers is stopped before the error surfaces.
 */
export async function superviseJavaServer(watch: JavaServerWatch): Promise<() => Promise<void>> {
  const { proc, cds, workDir, options } = watch;
  let stopped: Promise<void> | undefined;
  let ready = false;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopServer(proc, watch.stopGraceMs + cds.extraStopMs);
      await cds.keep(await proc.exited, ready);
      if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    })());
  try {
    await awaitReady(
      proc,
      watch.probe,
      options.readyTimeoutMs ?? 120_000,
      watch.pollMs,
      options.signal,
    );
    ready = true;
  } catch (error) {
    await stop();
    throw explainJavaMismatch(error);
  }
  return stop;
}
