import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from './cache.js';

/**
 * A record of one server process we started, kept while it runs. If the node process that
 * started it dies without stopping it (SIGKILL, a crash, a killed CI step), the next run
 * finds the record and stops that leftover — and only it: the pid must still run a command
 * line that names the work dir we created for it.
 */
export interface ServerRecord {
  ownerPid: number;
  pid: number;
  name: string;
  workDir: string;
}

function recordsDir(): string {
  return join(cacheRoot(), 'running');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is still the process we started in `workDir`: it runs there (redis-server
 * rewrites its command line, so the working directory is the reliable mark) or names it.
 */
function runsIn(pid: number, workDir: string): boolean {
  try {
    // The kernel marks a removed directory: a leftover may have lost its dir already.
    const cwd = readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, '');
    if (cwd === workDir) return true;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workDir);
  } catch {
    return false;
  }
}

/** Whether `record` describes a leftover: its owner is gone. */
export function isOrphan(record: ServerRecord, isAlive: (pid: number) => boolean = alive): boolean {
  return !isAlive(record.ownerPid);
}

/** Writes the record; the returned function removes it once the process has exited. */
export function recordServer(record: ServerRecord): () => void {
  mkdirSync(recordsDir(), { recursive: true });
  const file = join(recordsDir(), `${record.pid}.json`);
  writeFileSync(file, JSON.stringify(record));
  return () => rmSync(file, { force: true });
}

/** Stops servers left running by runs that died; returns what it stopped, for the log. */
export async function reapOrphans(): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(recordsDir());
  } catch {
    return [];
  }
  const reaped: string[] = [];
  for (const name of files.filter((f) => f.endsWith('.json'))) {
    const file = join(recordsDir(), name);
    let record: ServerRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as ServerRecord;
    } catch {
      await rm(file, { force: true });
      continue;
    }
    if (!isOrphan(record)) continue;
    if (alive(record.pid) && runsIn(record.pid, record.workDir)) {
      try {
        process.kill(-record.pid, 'SIGKILL');
        reaped.push(`${record.name} (pid ${record.pid})`);
      } catch {
        // Gone meanwhile.
      }
    }
    await rm(record.workDir, { recursive: true, force: true });
    await rm(file, { force: true });
  }
  return reaped;
}
