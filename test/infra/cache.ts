import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

/** Where downloaded server distributions live between runs (OPAQUEFLOW_CACHE_DIR overrides). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPAQUEFLOW_CACHE_DIR) return env.OPAQUEFLOW_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'opaqueflow');
}

const COMPLETE = '.complete';
/** A partial download older than this was left by a run that died, not one in progress. */
const ABANDONED_MS = 60 * 60_000;

async function removeAbandoned(parent: string, prefix: string): Promise<void> {
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(parent, name);
    try {
      if (Date.now() - (await stat(path)).mtimeMs > ABANDONED_MS) {
        await rm(path, { recursive: true, force: true });
      }
    } catch {
      // Removed by its owner meanwhile.
    }
  }
}

/**
 * Returns `dir`, filling it with `populate` first unless an earlier run already did.
 * Population happens in a sibling temp dir that is renamed into place only once complete,
 * so an interrupted download or two runs racing never leave a half-filled cache behind.
 */
export async function ensureCached(
  dir: string,
  populate: (tmpDir: string) => Promise<void>,
): Promise<{ dir: string; hit: boolean }> {
  if (existsSync(join(dir, COMPLETE))) return { dir, hit: true };
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true });
  await removeAbandoned(parent, `${basename(dir)}.partial-`);
  const tmp = await mkdtemp(`${dir}.partial-`);
  try {
    await populate(tmp);
    await writeFile(join(tmp, COMPLETE), new Date().toISOString() + '\n');
    if (existsSync(dir) && !existsSync(join(dir, COMPLETE))) await rm(dir, { recursive: true });
    try {
      await rename(tmp, dir);
    } catch (error) {
      // Another run finished first: its copy is as good as ours.
      if (!existsSync(join(dir, COMPLETE))) throw error;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir, hit: false };
}
