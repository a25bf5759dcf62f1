import type { FlowRecord } from '@opaqueflow/flow-model';

/**
 * The initiator's first data packet, as far as the record tells: the payload prefix cut to the
 * first sampled initiator packet with payload. Without per-packet samples the whole prefix
 * stands in for it.
 */
export function firstInitiatorPacket(flow: FlowRecord): Uint8Array | null {
  const payload = flow.initiatorPayload;
  if (payload === null || payload.length === 0) return null;
  for (const sample of flow.packets) {
    if (sample.direction === 'fwd' && sample.payloadSize > 0) {
      return sample.payloadSize < payload.length
        ? payload.subarray(0, sample.payloadSize)
        : payload;
    }
  }
  return payload;
}
