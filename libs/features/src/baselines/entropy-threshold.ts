import type { FlowRecord } from '@opaqueflow/flow-model';
import { shannonEntropy } from '../randomness/analyse.js';

/**
 * The plain rule many tools ship: a flow is encrypted when the Shannon entropy of its first
 * payload bytes exceeds a fixed threshold. It ignores length (40 random bytes cannot pass 5.3
 * bits/byte) and content (compressed files pass easily): the second baseline of the evaluation.
 */
export interface EntropyThresholdOptions {
  /** Bits/byte; default 7.0. */
  readonly threshold?: number;
  /** Payload bytes considered per direction; default 1024. */
  readonly prefixBytes?: number;
}

export interface EntropyThresholdDecision {
  readonly opaque: boolean;
  /** Entropy of the bytes judged (initiator's, else responder's); null without payload. */
  readonly entropy: number | null;
  readonly direction: 'fwd' | 'rev' | null;
}

export const DEFAULT_ENTROPY_THRESHOLD = 7.0;

export function entropyThresholdBaseline(
  flow: FlowRecord,
  options: EntropyThresholdOptions = {},
): EntropyThresholdDecision {
  const threshold = options.threshold ?? DEFAULT_ENTROPY_THRESHOLD;
  const prefix = options.prefixBytes ?? 1024;
  const initiator = flow.initiatorPayload;
  const responder = flow.responderPayload;
  const [bytes, direction] =
    initiator !== null && initiator.length > 0
      ? [initiator, 'fwd' as const]
      : responder !== null && responder.length > 0
        ? [responder, 'rev' as const]
        : [null, null];
  if (bytes === null) return { opaque: false, entropy: null, direction: null };
  const entropy = shannonEntropy(bytes.length > prefix ? bytes.subarray(0, prefix) : bytes);
  return { opaque: entropy >= threshold, entropy, direction };
}
