import type { ServerName } from './env.js';

/** A server this process started (or, with `external`, one it was pointed at). */
export interface ServerHandle {
  readonly name: ServerName;
  /** What clients connect to: host:port list for Kafka, a URL for the others. */
  readonly address: string;
  readonly version: string;
  /** 0 for an external server. */
  readonly port: number;
  /** True when the address came from the environment and nothing was started. */
  readonly external: boolean;
  /** Time spent downloading/unpacking before start (0 on a cache hit). */
  readonly prepareMs: number;
  /** Time from spawning the process to the readiness probe answering. */
  readonly startupMs: number;
  readonly cacheHit: boolean;
  readonly logFile: string;
  /** Stops the server and removes its temp dir; a no-op for external servers. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Readiness timeout for the server process (download time is not counted). */
  readyTimeoutMs?: number;
  /** Keep the server's temp dir (data and log) after stop, for debugging. */
  keepWorkDir?: boolean;
  /** Gives up waiting for readiness (and stops the server) when aborted, e.g. on Ctrl-C. */
  signal?: AbortSignal;
}
