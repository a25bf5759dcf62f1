import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ServerStartError } from './process.js';

const execFileAsync = promisify(execFile);
/** ESC [ … m: terminal colour codes (built from the char code: lint forbids it in a literal). */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The java binary: $JAVA_HOME/bin/java when set, else the one on PATH. */
export function javaBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The major version of a `java -version` banner ("17.0.15" → 17, "1.8.0_392" → 8). */
export function parseJavaMajor(banner: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

let banner: Promise<string> | undefined;

/** What `java -version` prints (cached: one JVM launch per run), '' when java does not run. */
export function javaBanner(): Promise<string> {
  banner ??= execFileAsync(javaBinary(), ['-version'], { timeout: 30_000 }).then(
    ({ stderr, stdout }) => stderr + stdout,
    () => '',
  );
  return banner;
}

/**
 * The exact JVM build ("17.0.15+6-Debian-1deb12u1"), as a file-name-safe string: a class
 * data archive only fits the build that wrote it.
 */
export function parseJavaBuild(text: string): string | undefined {
  const build = /\(build ([^)]+)\)/.exec(text)?.[1];
  return build?.replace(/[^A-Za-z0-9.+_-]/g, '_');
}

/** Checks that java runs and is at least `min`, with an error that says what to install. */
export async function requireJava(min: number): Promise<number> {
  const major = parseJavaMajor(await javaBanner()) ?? 0;
  if (major < min) {
    throw new ServerStartError(
      major === 0
        ? `java not found (${javaBinary()}): run scripts/bootstrap.sh or install openjdk-17-jre-headless`
        : `java ${major} found but ${min}+ is needed (set JAVA_HOME)`,
    );
  }
  return major;
}

/** Runs Maven quietly in batch mode; the error carries Maven's own output. */
export async function runMaven(args: readonly string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('mvn', ['-B', '-q', '-Dstyle.color=never', ...args], {
      cwd,
      timeout: 15 * 60_000,
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new ServerStartError('mvn not found: run scripts/bootstrap.sh or install maven');
    }
    // Maven's colour resets leak through even in batch mode.
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .replace(ANSI_SGR, '')
      .trim()
      .split('\n')
      .slice(-30)
      .join('\n');
    throw new ServerStartError(`mvn ${args.join(' ')} failed:\n${output}`, { cause: error });
  }
}

/**
 * Adds what to do when a server's classes need a newer Java than the one that ran them: the
 * stack trace alone says "class file version 65.0", which few people read as "Java 21".
 */
export function explainJavaMismatch(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const match = /class file version (\d+)/.exec(error.message);
  if (!error.message.includes('UnsupportedClassVersionError') || !match) return error;
  const needed = Number(match[1]) - 44;
  error.message += `\n(this build needs Java ${needed}+: set JAVA_HOME to such a JDK, or pick an older version)`;
  return error;
}
