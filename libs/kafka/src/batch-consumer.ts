import type { Context, Link, Meter, Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, context as contextApi, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@opaqueflow/telemetry';
import type { Consumer } from 'kafkajs';
import type { TopicCodec } from './codec.js';
import type { ConsumedRecord } from './consumer.js';
import { letterFor } from './consumer.js';
import { recordCounters } from './counters.js';
import type { DeadLetter, DlqPublisher } from './dlq.js';

/** Links beyond this many are dropped: a span is not the place to list a whole batch. */
const MAX_LINKS = 128;

export interface BatchInfo {
  readonly topic: string;
  readonly partition: number;
  /** The batch's processing span: pass it to RecordProducer.send so output joins it. */
  readonly context: Context;
}

export interface RecordBatchConsumerOptions<T> {
  /** Connected by the caller; subscribed here. */
  readonly consumer: Consumer;
  readonly codec: TopicCodec<T>;
  readonly dlq: DlqPublisher;
  readonly stage: string;
  /**
   * Handles the decodable records of one partition's batch, in offset order. Resolve only once
   * everything the batch produced is acknowledged: the batch's offsets are committed after.
   */
  readonly handleBatch: (records: readonly ConsumedRecord<T>[], batch: BatchInfo) => Promise<void>;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  readonly tracer?: Tracer;
  /** Counts opaqueflow_<stage>_records_consumed_total and …_dead_lettered_total. */
  readonly meter?: Meter;
  readonly fromBeginning?: boolean;
}

/**
 * Batch consumption with exactly-once effects in mind: per partition batch, undecodable
 * records go to the DLQ (acknowledged), the rest to handleBatch, and only then is the last
 * offset resolved and committed. A throwing handler leaves the offsets where they were, so
 * kafkajs redelivers the batch (at-least-once; handlers must be idempotent under replay, and a
 * redelivered batch dead-letters its bad records again).
 * The processing span links to every producer context in the batch (OpenTelemetry messaging
 * conventions for batch receivers).
 */
export async function runRecordBatchConsumer<T>(
  options: RecordBatchConsumerOptions<T>,
): Promise<void> {
  const { consumer, codec, dlq, stage } = options;
  const tracer = options.tracer ?? trace.getTracer('opaqueflow-kafka');
  const counters = recordCounters(options.meter, stage);
  await consumer.subscribe({
    topics: [codec.topic],
    fromBeginning: options.fromBeginning ?? false,
  });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
      const links: Link[] = [];
      const records: ConsumedRecord<T>[] = [];
      const letters: DeadLetter[] = [];
      for (const message of batch.messages) {
        const headers = message.headers ?? {};
        const producerContext = extractTraceContext(headers);
        const remote = trace.getSpanContext(producerContext);
        if (remote && links.length < MAX_LINKS) links.push({ context: remote });
        const decoded = await codec.decode(message.value);
        if (decoded.ok)
          records.push({
            value: decoded.value,
            key: message.key,
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            headers,
            context: producerContext,
          });
        else letters.push(letterFor(message, batch.topic, batch.partition, stage, decoded.error));
      }
      const span = tracer.startSpan(
        `process ${batch.topic}`,
        {
          kind: SpanKind.CONSUMER,
          links,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.destination.name': batch.topic,
            'messaging.destination.partition.id': String(batch.partition),
            'messaging.batch.message_count': batch.messages.length,
          },
        },
        contextApi.active(),
      );
      const ctx = trace.setSpan(contextApi.active(), span);
      try {
        if (letters.length > 0) {
          await dlq.publish(letters);
          for (const letter of letters) {
            counters.deadLettered(batch.topic, letter.code);
            options.onDeadLetter?.(letter);
          }
        }
        if (records.length > 0)
          await contextApi.with(ctx, () =>
            options.handleBatch(records, {
              topic: batch.topic,
              partition: batch.partition,
              context: ctx,
            }),
          );
        counters.consumed(batch.topic, records.length);
        payload.resolveOffset(batch.lastOffset());
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
  });
}
