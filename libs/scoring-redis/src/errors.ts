import { ScoringError, storeUnavailable } from '@opaqueflow/scoring';

/**
 * Connection trouble (refused, reset, closed, timed out, offline queue disabled, retries
 * exhausted, a server loading or failing over) is retriable; anything else is a bug or a
 * misconfiguration that retrying will not fix.
 */
const TRANSIENT_NETWORK =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Command timed out|Failed to refresh slots cache|None of startup nodes is available|socket/i;
/** Redis error replies that mean "not now": the code is the first word of the reply. */
const TRANSIENT_REPLY = /^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|MOVED|ASK|BUSY)\b/;

export function isTransientRedisError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<string, unknown>;
  const text = ['name', 'code', 'message']
    .map((k) => (typeof e[k] === 'string' ? e[k] : ''))
    .join(' ');
  const message = typeof e.message === 'string' ? e.message : '';
  return TRANSIENT_NETWORK.test(text) || TRANSIENT_REPLY.test(message);
}

export function toScoringError(err: unknown, what: string): ScoringError {
  if (err instanceof ScoringError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isTransientRedisError(err))
    return storeUnavailable(`redis unreachable during ${what}: ${message}`, err);
  return new ScoringError('SCORING_STORE_FAILED', `redis ${what} failed: ${message}`, {
    cause: err,
  });
}
