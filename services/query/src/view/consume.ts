import type { Detection } from '@opaqueflow/flow-model';
import type { DlqPublisher, MessageConsumer, TopicCodec } from '@opaqueflow/kafka';
import { runRecordBatchConsumer } from '@opaqueflow/kafka';
import type { Logger } from '@opaqueflow/telemetry';
import type { Meter } from '@opentelemetry/api';
import type { DetectionView, UpsertResult } from './types.js';

export interface ViewConsumerOptions {
  readonly consumer: MessageConsumer;
  readonly codec: TopicCodec<Detection>;
  readonly dlq: DlqPublisher;
  readonly view: DetectionView;
  readonly logger?: Logger;
  readonly meter?: Meter;
  /** Told after each applied batch (tests, metrics). */
  readonly onApplied?: (result: UpsertResult) => void;
}

/**
 * Materialises the detections topic into the view: each partition's batch is upserted, then
 * its offsets are committed. Upserts keep the highest version of each detection, so a
 * redelivered batch, a replay from the beginning (a rebuild under a new group id) or two
 * versions out of order leave the view as the newest version would alone. Undecodable
 * records are dead-lettered with their reason by the batch consumer.
 */
export async function runViewConsumer(options: ViewConsumerOptions): Promise<void> {
  const { view, logger } = options;
  await runRecordBatchConsumer<Detection>({
    consumer: options.consumer,
    codec: options.codec,
    dlq: options.dlq,
    stage: 'query',
    fromBeginning: true,
    ...(options.meter === undefined ? {} : { meter: options.meter }),
    onDeadLetter: (letter) =>
      logger?.warn(
        { code: letter.code, partition: letter.sourcePartition, offset: letter.sourceOffset },
        `detection dead-lettered: ${letter.message}`,
      ),
    onBatchError: (error, batch) =>
      logger?.error({ err: error, ...batch }, 'view batch failed; it will be delivered again'),
    handleBatch: async (records) => {
      const result = await view.upsert(records.map((r) => r.value));
      options.onApplied?.(result);
    },
  });
}
