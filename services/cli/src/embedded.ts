import { createFeatureExtractor, type FeatureExtractorOptions } from '@opaqueflow/features';
import type { Detection, FlowFeatures, FlowRecord } from '@opaqueflow/flow-model';
import {
  compileScorerConfig,
  MemoryExceptionStore,
  MemoryScorerStore,
  Scorer,
  type BatchItem,
  type ScorerConfigInput,
} from '@opaqueflow/scoring';

/** One flow after the embedded pipeline, as `analyze` reports it. */
export interface AnalyzedFlow {
  readonly features: FlowFeatures;
  /** The detection this flow contributed to, if its aggregate scored high enough. */
  readonly detection: Detection | null;
}

export interface EmbeddedOptions {
  readonly features?: FeatureExtractorOptions;
  readonly scoring?: ScorerConfigInput;
  /** Flows per scorer batch (default 8). */
  readonly batchSize?: number;
}

/** The topic name batch items carry in the embedded runner: the in-process bus. */
const EMBEDDED_TOPIC = 'embedded';

/**
 * The features and scorer stages composed in one process over an in-memory store: what a
 * laptop runs on a capture file. Flows are scored in event-time order, so a port's baseline
 * grows as the capture goes on, as it would have live.
 */
export async function analyzeFlows(
  flows: readonly FlowRecord[],
  options: EmbeddedOptions = {},
): Promise<AnalyzedFlow[]> {
  const extract = createFeatureExtractor(options.features);
  const batchSize = Math.max(1, options.batchSize ?? 8);
  // A capture replays the past: key lifetimes and exception expiry follow the capture's
  // own clock (the latest event time so far), not today's, or old state would expire at once.
  let eventClock = 0;
  const clock = (): number => eventClock;
  const scorer = new Scorer({
    config: compileScorerConfig(options.scoring),
    store: new MemoryScorerStore(clock),
    exceptions: new MemoryExceptionStore(),
    clock,
  });
  try {
    const ordered = [...flows].sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    const features = ordered.map((flow) => extract(flow));
    const items: BatchItem[] = features.map((f, i) => ({
      features: f,
      source: { topic: EMBEDDED_TOPIC, partition: 0, offset: String(i) },
    }));
    const byFlowId = new Map<string, Detection>();
    const byAggregate = new Map<string, Detection>();
    // Small batches in event-time order let each port's baseline learn from the flows before
    // it, as a live scorer's would; one huge batch would judge every flow against nothing.
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      for (const item of batch) eventClock = Math.max(eventClock, item.features.flow.endMs);
      const result = await scorer.processBatch(batch);
      for (const d of result.detections) {
        for (const id of d.sampleFlowIds) byFlowId.set(id, d);
        byAggregate.set(aggregateKey(d.srcAddr, d.dstAddr, d.dstPort, d.transport), d);
      }
    }
    return features.map((f) => {
      let detection = byFlowId.get(f.flow.flowId) ?? null;
      if (detection === null && f.verdict === 'opaque') {
        // Sample ids are bounded: the rest of an aggregate's flows match on its key and time.
        const d = byAggregate.get(
          aggregateKey(f.flow.srcAddr, f.flow.dstAddr, f.flow.dstPort, f.flow.transport),
        );
        if (d !== undefined && f.flow.endMs >= d.firstSeenMs && f.flow.startMs <= d.lastSeenMs)
          detection = d;
      }
      return { features: f, detection };
    });
  } finally {
    scorer.close();
  }
}

function aggregateKey(src: string, dst: string, port: number, transport: string): string {
  return `${src}|${dst}|${port}|${transport}`;
}
