import type { Detection, Severity, Transport, Verdict } from '@opaqueflow/flow-model';
import { detectionIdOf } from '@opaqueflow/flow-model';

export const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

export interface DetectionSpec {
  readonly src?: string;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly transport?: Transport;
  readonly firstSeenMs?: number;
  readonly lastSeenMs?: number;
  readonly score?: number;
  readonly severity?: Severity;
  readonly verdict?: Verdict;
  readonly flowCount?: number;
  readonly updatedMs?: number;
  readonly exceptionId?: string | null;
}

/** A detection as the scorer emits it (id from the aggregate's key, like the scorer's). */
export function makeDetection(spec: DetectionSpec = {}): Detection {
  const src = spec.src ?? '10.0.0.5';
  const dst = spec.dst ?? '198.51.100.7';
  const dstPort = spec.dstPort ?? 4444;
  const transport = spec.transport ?? 'tcp';
  const firstSeenMs = spec.firstSeenMs ?? T0;
  const windowStartMs = firstSeenMs - (firstSeenMs % 3_600_000);
  const score = spec.score ?? 70;
  return {
    id: detectionIdOf(src, dst, dstPort, transport, windowStartMs),
    firstSeenMs,
    lastSeenMs: spec.lastSeenMs ?? firstSeenMs + 1_000,
    windowStartMs,
    flowCount: spec.flowCount ?? 1,
    bytes: 4_000,
    score,
    severity: spec.severity ?? (score >= 80 ? 'critical' : score >= 65 ? 'high' : 'medium'),
    verdict: spec.verdict ?? 'opaque',
    srcAddr: src,
    dstAddr: dst,
    dstPort,
    transport,
    reasons: [
      { code: 'randomness', points: 30, value: 7.9, detail: 'initiator payload looks random' },
      { code: 'no-key-exchange', points: 25, value: 'none', detail: 'no handshake recognised' },
    ],
    baseline: {
      port: dstPort,
      transport,
      flows: 10,
      opaqueFlows: 1,
      distinctSources: 3,
      distinctDestinations: 2,
      meanEntropy: 5.1,
      learning: false,
      windowMs: 604_800_000,
    },
    hostScore: 40,
    attack: { analytic: 'AN0404', techniques: ['T1573', 'T1571'] },
    exceptionId: spec.exceptionId ?? null,
    status: spec.exceptionId ? 'suppressed' : 'open',
    sampleFlowIds: ['f1'],
    updatedMs: spec.updatedMs ?? firstSeenMs + 2_000,
  };
}
