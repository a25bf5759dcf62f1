import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** First delay; doubles each attempt up to maxDelayMs. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Attempts in all, including the first; Infinity retries until success or abort. */
  readonly maxAttempts?: number;
  /** Full jitter (a random delay up to the backoff) spreads replicas that failed together. */
  readonly jitter?: boolean;
  readonly isRetriable?: (err: unknown) => boolean;
  /** Called before each wait: log it, count it, fail readiness. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function backoffDelay(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

/**
 * Run op until it succeeds, retrying retriable failures with capped exponential backoff.
 * A non-retriable error, the last attempt's error, or an abort is thrown to the caller —
 * who, for a batch, must not commit its offsets.
 */
export async function retryWithBackoff<T>(
  op: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 10_000;
  const attempts = options.maxAttempts ?? Infinity;
  const retriable = options.isRetriable ?? isRetriable;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (!retriable(err) || attempt >= attempts || options.signal?.aborted === true) throw err;
      const cap = backoffDelay(attempt, base, max);
      const delay = options.jitter === false ? cap : Math.round(cap / 2 + (random() * cap) / 2);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
