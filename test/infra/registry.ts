import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, ensureCached } from './cache.js';
import { classDataSharing } from './cds.js';
import { superviseJavaServer } from './java-server.js';
import { javaBinary, requireJava, runMaven } from './java.js';
import { freePort, retryOnPortClash } from './ports.js';
import { ServerStartError, spawnServer, withContext } from './process.js';
import type { ServerHandle, StartOptions } from './types.js';

const execFileAsync = promisify(execFile);

/**
 * 3.0.9 is the newest Apicurio Registry whose classes run on Java 17: 3.3.x is compiled for
 * Java 21 (class file 65) and fails at start with UnsupportedClassVersionError.
 */
export const APICURIO_VERSION = '3.0.9';
/** Where Apicurio serves the Confluent-compatible API; clients take this as their base URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface RegistryHandle extends ServerHandle {
  readonly name: 'registry';
}

export interface RegistryOptions extends StartOptions {
  version?: string;
  heap?: string;
  /** Extra JVM flags and -D properties, after ours (the last one wins). */
  jvmOptions?: string[];
}

/**
 * The jar that starts the app: `quarkus-run.jar` in the fast-jar layout (3.1+), or
 * `<artifact>-runner.jar` beside lib/ in the legacy layout 3.0.x ships.
 */
export function findRunnerJar(files: readonly string[]): string | undefined {
  if (files.includes('quarkus-run.jar')) return 'quarkus-run.jar';
  return files.find((f) => f.endsWith('-runner.jar'));
}

/** Fetches the `all` Quarkus distribution from Maven Central and unpacks it into the cache. */
export async function prepareRegistry(version: string): Promise<{ home: string; hit: boolean }> {
  const dir = join(cacheRoot(), 'apicurio-registry', version);
  const { hit } = await ensureCached(dir, async (tmp) => {
    await withContext(
      `schema registry (Apicurio ${version}): could not download its distribution`,
      runMaven(
        [
          'dependency:copy',
          `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
          `-DoutputDirectory=${tmp}`,
        ],
        tmp,
      ),
    );
    const archive = join(tmp, `apicurio-registry-app-${version}-all.tar.gz`);
    try {
      await execFileAsync('tar', ['-xzf', archive, '-C', tmp], { timeout: 5 * 60_000 });
    } catch (error) {
      throw new ServerStartError(`could not unpack ${archive}: ${(error as Error).message}`);
    }
    await rm(archive);
    if (!findRunnerJar(readdirSync(tmp))) {
      throw new ServerStartError(`no quarkus-run.jar or *-runner.jar in ${archive}`);
    }
  });
  return { home: dir, hit };
}

async function subjectsAnswer(base: string): Promise<boolean> {
  const response = await fetch(`${base}/subjects`, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status === 200;
}

/** The version the running registry reports about itself, or undefined if it does not say. */
export async function registryVersion(origin: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${origin}/apis/registry/v3/system/info`, {
      signal: AbortSignal.timeout(2000),
    });
    const info = (await response.json()) as { version?: unknown };
    return typeof info.version === 'string' ? info.version : undefined;
  } catch {
    return undefined;
  }
}

/** Starts Apicurio Registry with in-memory storage on a free port. */
export function startRegistry(options: RegistryOptions = {}): Promise<RegistryHandle> {
  return retryOnPortClash(() => startRegistryOnce(options));
}

async function startRegistryOnce(options: RegistryOptions): Promise<RegistryHandle> {
  const version = options.version ?? process.env.OPAQUEFLOW_APICURIO_VERSION ?? APICURIO_VERSION;
  await requireJava(17);
  const prepStart = Date.now();
  const { home, hit } = await prepareRegistry(version);
  const prepareMs = hit ? 0 : Date.now() - prepStart;
  const jar = findRunnerJar(readdirSync(home));
  if (!jar || !existsSync(join(home, jar))) {
    throw new ServerStartError(`registry: no runner jar in ${home} (delete it to re-download)`);
  }

  const workDir = await mkdtemp(join(tmpdir(), 'opaqueflow-registry-'));
  const logFile = join(workDir, 'server.log');
  const port = await freePort();
  const started = Date.now();
  const cds = await classDataSharing(home, 'registry');
  const proc = spawnServer(
    `schema registry (Apicurio ${version})`,
    javaBinary(),
    [
      `-Xmx${options.heap ?? '384m'}`,
      '-XX:+UseSerialGC',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:TieredStopAtLevel=1',
      `-Dquarkus.http.port=${port}`,
      '-Dquarkus.http.host=127.0.0.1',
      // In-memory storage: nothing outlives the process, every run starts empty.
      '-Dapicurio.storage.kind=sql',
      '-Dapicurio.storage.sql.kind=h2',
      '-Djava.io.tmpdir=' + workDir,
      ...cds.flags,
      ...(options.jvmOptions ?? []),
      '-jar',
      join(home, jar),
    ],
    { cwd: workDir, logFile, workDir },
  );
  const origin = `http://127.0.0.1:${port}`;
  const address = `${origin}${CCOMPAT_PATH}`;
  const stop = await superviseJavaServer({
    proc,
    cds,
    workDir,
    stopGraceMs: 15_000,
    probe: () => subjectsAnswer(address),
    pollMs: 250,
    options,
  });
  const startupMs = Date.now() - started;
  return {
    name: 'registry',
    address,
    version: (await registryVersion(origin)) ?? version,
    port,
    external: false,
    prepareMs,
    startupMs,
    cacheHit: hit,
    logFile,
    stop,
  };
}
