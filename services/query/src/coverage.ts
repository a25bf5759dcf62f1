import type { FlowFeatures, FlowSource } from '@opaqueflow/flow-model';

/** What one exporter's (or capture's) telemetry let the pipeline see. */
export interface CoverageCounts {
  readonly exporter: string;
  readonly source: FlowSource;
  readonly flows: number;
  /** Flows with payload bytes or exporter-computed payload evidence. */
  readonly withPayload: number;
  /** Flows whose start was observed (the initiator is known): a handshake could be seen. */
  readonly startSeen: number;
  /** Flows where a key exchange or protocol was recognised. */
  readonly handshakeRecognised: number;
  readonly insufficient: number;
  readonly samplingRateMin: number;
  readonly samplingRateMax: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

export interface CoverageReader {
  exporters(): Promise<CoverageCounts[]>;
}

/** The key coverage is counted under: the exporter address, or the capture source. */
export function exporterOf(f: FlowFeatures): string {
  return f.flow.exporter ?? `${f.flow.source}:local`;
}

type Mutable = {
  -readonly [K in keyof CoverageCounts]: CoverageCounts[K];
};

/**
 * Counts, per exporter, what the features stage could see: the answer to "can our telemetry
 * see this at all?". Fed with every FlowFeatures (detected or not). Bounded by maxExporters;
 * further exporters are counted in `overflow`.
 */
export class CoverageAccumulator implements CoverageReader {
  private readonly rows = new Map<string, Mutable>();
  overflow = 0;

  constructor(private readonly maxExporters = 10_000) {}

  add(features: readonly FlowFeatures[]): void {
    for (const f of features) {
      const key = exporterOf(f);
      let row = this.rows.get(key);
      if (row === undefined) {
        if (this.rows.size >= this.maxExporters) {
          this.overflow += 1;
          continue;
        }
        row = {
          exporter: key,
          source: f.flow.source,
          flows: 0,
          withPayload: 0,
          startSeen: 0,
          handshakeRecognised: 0,
          insufficient: 0,
          samplingRateMin: f.flow.samplingRate,
          samplingRateMax: f.flow.samplingRate,
          firstSeenMs: f.flow.startMs,
          lastSeenMs: f.flow.endMs,
        };
        this.rows.set(key, row);
      }
      row.flows += 1;
      if (f.initiator !== null || f.responder !== null || f.exporterEvidence !== null)
        row.withPayload += 1;
      if (f.flow.initiatorKnown) row.startSeen += 1;
      if (f.handshake.protocol !== 'none') row.handshakeRecognised += 1;
      if (f.verdict === 'insufficient') row.insufficient += 1;
      row.samplingRateMin = Math.min(row.samplingRateMin, f.flow.samplingRate);
      row.samplingRateMax = Math.max(row.samplingRateMax, f.flow.samplingRate);
      row.firstSeenMs = Math.min(row.firstSeenMs, f.flow.startMs);
      row.lastSeenMs = Math.max(row.lastSeenMs, f.flow.endMs);
    }
  }

  exporters(): Promise<CoverageCounts[]> {
    return Promise.resolve([...this.rows.values()].map((r) => ({ ...r })));
  }
}

/** Shares as the API answers them (0–1, null without flows). */
export function coverageShares(c: CoverageCounts): Record<string, unknown> {
  const share = (n: number) => (c.flows === 0 ? null : Math.round((n / c.flows) * 10_000) / 10_000);
  return {
    exporter: c.exporter,
    source: c.source,
    flows: c.flows,
    payloadEvidenceShare: share(c.withPayload),
    startSeenShare: share(c.startSeen),
    handshakeRecognisedShare: share(c.handshakeRecognised),
    insufficientShare: share(c.insufficient),
    samplingRate: { min: c.samplingRateMin, max: c.samplingRateMax },
    firstSeen: new Date(c.firstSeenMs).toISOString(),
    lastSeen: new Date(c.lastSeenMs).toISOString(),
  };
}
