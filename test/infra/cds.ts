import { existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { javaBanner, parseJavaBuild } from './java.js';

/**
 * Class data sharing for a server's JVM. The first run of a cached server version records
 * the classes it loaded into an archive as it exits (-XX:ArchiveClassesAtExit); later runs
 * map that archive instead of parsing and verifying thousands of classes again, which on a
 * loaded 2-core machine took a third to a half off the broker's start-up. The archive is
 * keyed by the exact JVM build, and a JVM that finds it unusable just starts without it.
 */
export interface ClassDataSharing {
  readonly flags: string[];
  /**
   * Extra time to allow for stopping: writing the archive at exit took over 15 s for the
   * registry on a loaded machine, and a JVM killed mid-write leaves nothing usable.
   */
  readonly extraStopMs: number;
  /** Moves a freshly written archive into place; only for a clean, complete exit. */
  readonly keep: (exit: number | string, wasReady: boolean) => Promise<void>;
}

const NONE: ClassDataSharing = { flags: [], extraStopMs: 0, keep: () => Promise.resolve() };

export async function classDataSharing(
  dir: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClassDataSharing> {
  if (env.OPAQUEFLOW_JAVA_CDS === '0') return NONE;
  const build = parseJavaBuild(await javaBanner());
  if (build === undefined) return NONE;
  const archive = join(dir, `${name}-${build}.jsa`);
  if (existsSync(archive)) {
    return { ...NONE, flags: [`-XX:SharedArchiveFile=${archive}`] };
  }

  // Each run writes its own file; the first to finish cleanly wins the rename.
  const pending = `${archive}.${process.pid}-${Date.now()}`;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${pending}`],
    extraStopMs: 60_000,
    keep: async (exit, wasReady) => {
      // A JVM killed with SIGKILL never finished writing; one that never got ready recorded
      // too few classes to be worth keeping.
      const usable =
        wasReady && exit !== 'SIGKILL' && existsSync(pending) && statSync(pending).size > 0;
      if (usable && !existsSync(archive)) await rename(pending, archive);
      await rm(pending, { force: true });
    },
  };
}
