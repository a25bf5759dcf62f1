import { createFeatureExtractor, type FeatureExtractorOptions } from '@opaqueflow/features';
import type { Detection, FlowFeatures, FlowRecord } from '@opaqueflow/flow-model';
import {
  compileScorerConfig,
  MemoryExceptionStore,
  MemoryScorerStore,
  Scorer,
  type BatchItem,
  type ExceptionSource,
  type ScorerConfigInput,
} from '@opaqueflow/scoring';

/** One flow after the embedded pipeline. */
export interface AnalyzedFlow {
  readonly features: FlowFeatures;
  /** The detection this flow contributed to, if its aggregate scored high enough. */
  readonly detection: Detection | null;
}

export interface EmbeddedOptions {
  readonly features?: FeatureExtractorOptions;
  readonly scoring?: ScorerConfigInput;
  readonly exceptions?: ExceptionSource;
  /**
   * Wall clock for key lifetimes and exception expiry. Live input uses Date.now; a capture
   * replays the past, so its pipeline follows the capture's own latest event time, or old
   * state would expire at once.
   */
  readonly clock?: 'wall' | 'event';
}

/** The topic name batch items carry in the embedded runner: the in-process bus. */
const EMBEDDED_TOPIC = 'embedded';

/**
 * The features and scorer stages composed in one process over an in-memory store: what a
 * laptop runs on a capture file or a handful of exporters.
 */
export class EmbeddedPipeline {
  private readonly extract: (flow: FlowRecord) => FlowFeatures;
  private readonly scorer: Scorer;
  /** The scorer's state: the query API reads its port baselines. */
  readonly store: MemoryScorerStore;
  private eventClock = 0;
  private offset = 0n;

  constructor(options: EmbeddedOptions = {}) {
    this.extract = createFeatureExtractor(options.features);
    const clock =
      options.clock === 'event' ? (): number => this.eventClock : (): number => Date.now();
    this.store = new MemoryScorerStore(clock);
    this.scorer = new Scorer({
      config: compileScorerConfig(options.scoring),
      store: this.store,
      exceptions: options.exceptions ?? new MemoryExceptionStore(),
      clock,
    });
  }

  /** One batch through features and scoring; flows keep their order. */
  async process(flows: readonly FlowRecord[]): Promise<AnalyzedFlow[]> {
    const features = flows.map((flow) => this.extract(flow));
    const items: BatchItem[] = features.map((f) => {
      this.eventClock = Math.max(this.eventClock, f.flow.endMs);
      return {
        features: f,
        source: { topic: EMBEDDED_TOPIC, partition: 0, offset: String(this.offset++) },
      };
    });
    const result = await this.scorer.processBatch(items);
    return features.map((f, i) => ({ features: f, detection: result.itemDetections[i] ?? null }));
  }

  /** Entries the in-memory store holds (expired ones are dropped first). */
  stateSize(): { ports: number; aggregates: number; hosts: number } {
    return this.store.size();
  }

  close(): void {
    this.scorer.close();
  }
}

/**
 * A whole capture through the pipeline in event-time order. The scorer judges each flow
 * against the flows before it whatever the batch size, so batches are only a memory bound.
 * Each flow is handed to `each` as soon as its batch is scored: nothing here grows with
 * the input beyond the flows themselves.
 */
export async function analyzeFlows(
  flows: readonly FlowRecord[],
  each: (flow: AnalyzedFlow) => void | Promise<void>,
  options: EmbeddedOptions & { readonly batchSize?: number } = {},
): Promise<void> {
  const pipeline = new EmbeddedPipeline({ clock: 'event', ...options });
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  try {
    const ordered = flows.slice().sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    for (let i = 0; i < ordered.length; i += batchSize)
      for (const analyzed of await pipeline.process(ordered.slice(i, i + batchSize)))
        await each(analyzed);
  } finally {
    pipeline.close();
  }
}
