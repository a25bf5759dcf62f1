import { DecoderError } from '../errors.js';

/** How the flow table bounds time and memory; every field optional for callers. */
export interface FlowTableOptions {
  /** A flow with no packet for this long (capture time) is ended. */
  idleTimeoutMs?: number;
  /** A flow older than this is ended and continues as a new record (like NetFlow). */
  activeTimeoutMs?: number;
  /** After RST or FIN both ways, a flow ends once quiet this long (late ACKs still join). */
  tcpClosedTimeoutMs?: number;
  /** Hard bound on flows held; the oldest is evicted beyond it. */
  maxFlows?: number;
  /** Hard bound on payload bytes buffered over all flows; oldest flows evicted beyond it. */
  maxBufferedBytes?: number;
  /** First payload bytes kept per direction. */
  payloadPrefixBytes?: number;
  /** First packets whose size, direction and gap are recorded. */
  packetSamples?: number;
  /** Gaps one direction may hold while waiting for missing TCP segments. */
  maxOutOfOrderGaps?: number;
  /** Capture time between scans for expired flows. */
  sweepIntervalMs?: number;
}

export type CompiledFlowTableOptions = Readonly<Required<FlowTableOptions>>;

export const DEFAULT_FLOW_TABLE_OPTIONS: CompiledFlowTableOptions = Object.freeze({
  idleTimeoutMs: 120_000,
  activeTimeoutMs: 1_800_000,
  tcpClosedTimeoutMs: 10_000,
  maxFlows: 100_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  payloadPrefixBytes: 1024,
  packetSamples: 20,
  maxOutOfOrderGaps: 32,
  sweepIntervalMs: 1_000,
});

/** Validates once and freezes; a bad value is a caller's mistake and throws a coded error. */
export function compileFlowTableOptions(options: FlowTableOptions = {}): CompiledFlowTableOptions {
  const merged = { ...DEFAULT_FLOW_TABLE_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_FLOW_TABLE_OPTIONS)) {
      throw new DecoderError('FLOW_TABLE_OPTION_UNKNOWN', `unknown flow table option ${name}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new DecoderError(
        'FLOW_TABLE_OPTION_INVALID',
        `flow table option ${name} must be a finite number ≥ 0, got ${String(value)}`,
      );
    }
    (merged as Record<string, number>)[name] = value;
  }
  for (const name of ['maxFlows', 'sweepIntervalMs', 'idleTimeoutMs'] as const) {
    if (merged[name] < 1) {
      throw new DecoderError('FLOW_TABLE_OPTION_INVALID', `flow table option ${name} must be ≥ 1`);
    }
  }
  if (merged.activeTimeoutMs < merged.idleTimeoutMs) {
    throw new DecoderError(
      'FLOW_TABLE_OPTION_INVALID',
      'activeTimeoutMs must be at least idleTimeoutMs',
    );
  }
  return Object.freeze(merged);
}
