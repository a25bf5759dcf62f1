import type { Context, Link, Meter, Tracer } from '@opentelemetry/api';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as contextApi,
  trace,
} from '@opentelemetry/api';
import {
  createCounter,
  createGauge,
  createHistogram,
  extractTraceContext,
} from '@opaqueflow/telemetry';
import type { TopicCodec } from './codec.js';
import { metricStage, recordCounters } from './counters.js';
import type { DeadLetter, DlqPublisher } from './dlq.js';
import type { IncomingMessage, MessageBatch, MessageConsumer } from './transport/types.js';

/** Links beyond this many are dropped: a span is not the place to list a whole batch. */
const MAX_LINKS = 128;

export interface ConsumedRecord<T> {
  readonly value: T;
  readonly key: Buffer | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: IncomingMessage['headers'];
  /** The producer's context as extracted from the headers (the batch's span is BatchInfo.context). */
  readonly context: Context;
}

export interface BatchInfo {
  readonly topic: string;
  readonly partition: number;
  /** The batch's processing span: pass it to RecordProducer.send so output joins the trace. */
  readonly context: Context;
}

export interface RecordBatchConsumerOptions<T> {
  /** Connected by the caller; subscribed and run here. */
  readonly consumer: MessageConsumer;
  readonly codec: TopicCodec<T>;
  readonly dlq: DlqPublisher;
  readonly stage: string;
  /**
   * Handles the decodable records of one partition's batch, in offset order. Resolve only once
   * everything the batch produced is acknowledged: the batch's offsets are committed after.
   */
  readonly handleBatch: (records: readonly ConsumedRecord<T>[], batch: BatchInfo) => Promise<void>;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Told about a failed batch (it will be delivered again); log it. */
  readonly onBatchError?: (error: unknown, batch: { topic: string; partition: number }) => void;
  readonly tracer?: Tracer;
  /**
   * opaqueflow_<stage>_records_consumed_total, …_dead_lettered_total{code},
   * …_batch_errors_total, …_batch_duration_seconds, …_consumer_lag_records{partition}.
   */
  readonly meter?: Meter;
  readonly fromBeginning?: boolean;
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * Batch consumption with exactly-once effects in mind: per partition batch, undecodable
 * records go to the DLQ (acknowledged), the rest to handleBatch, and only then are the
 * offsets committed. A throwing handler leaves them where they were, so the batch comes
 * again (at-least-once; handlers must be idempotent under replay, and a redelivered batch
 * dead-letters its bad records again).
 * The processing span continues the first record's trace and links to every other producer
 * context in the batch (OpenTelemetry messaging conventions for batch receivers), so what
 * the batch produces stays in a trace that began at ingest.
 */
export async function runRecordBatchConsumer<T>(
  options: RecordBatchConsumerOptions<T>,
): Promise<void> {
  const { consumer, codec, dlq, stage } = options;
  const tracer = options.tracer ?? trace.getTracer('opaqueflow-kafka');
  const counters = recordCounters(options.meter, stage);
  const metrics = options.meter === undefined ? null : batchMetrics(options.meter, stage);
  await consumer.run({
    topics: [codec.topic],
    fromBeginning: options.fromBeginning ?? false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async (batch) => {
      const started = performance.now();
      const links: Link[] = [];
      const records: ConsumedRecord<T>[] = [];
      const letters: DeadLetter[] = [];
      let parent: Context | null = null;
      for (const message of batch.messages) {
        const producerContext = extractTraceContext(message.headers);
        const remote = trace.getSpanContext(producerContext);
        if (remote !== undefined) {
          if (parent === null) parent = producerContext;
          else if (links.length < MAX_LINKS) links.push({ context: remote });
        }
        const decoded = await codec.decode(message.value);
        if (decoded.ok)
          records.push({
            value: decoded.value,
            key: message.key,
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            headers: message.headers,
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
        parent ?? ROOT_CONTEXT,
      );
      const ctx = trace.setSpan(parent ?? ROOT_CONTEXT, span);
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
        metrics?.observe(batch, (performance.now() - started) / 1000);
      } catch (e) {
        metrics?.failed(batch.topic);
        options.onBatchError?.(e, { topic: batch.topic, partition: batch.partition });
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
  });
}

function batchMetrics(meter: Meter, stage: string) {
  const s = metricStage(stage);
  const duration = createHistogram(meter, {
    stage: s,
    name: 'batch_duration',
    unit: 'seconds',
    description: 'time from a batch fetched to its output acknowledged',
    labels: ['topic'],
  });
  const lag = createGauge(meter, {
    stage: s,
    name: 'consumer_lag',
    unit: 'records',
    description: 'records behind the partition end after the latest batch',
    labels: ['topic', 'partition'],
  });
  const errors = createCounter(meter, {
    stage: s,
    name: 'batch_errors',
    description: 'batches that failed and will be delivered again',
    labels: ['topic'],
  });
  return {
    observe(batch: MessageBatch, seconds: number) {
      duration.record(seconds, { topic: batch.topic });
      const last = batch.messages[batch.messages.length - 1];
      if (last === undefined) return;
      const behind = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      lag.set(Number(behind < 0n ? 0n : behind), {
        topic: batch.topic,
        partition: String(batch.partition),
      });
    },
    failed: (topic: string) => errors.add(1, { topic }),
  };
}

/** The dead letter for a message a stage gave up on. */
export function letterFor(
  message: IncomingMessage,
  topic: string,
  partition: number,
  stage: string,
  error: { code: string; message: string },
): DeadLetter {
  return {
    code: error.code,
    message: error.message,
    stage,
    sourceTopic: topic,
    sourcePartition: partition,
    sourceOffset: message.offset,
    sourceTimestamp: message.timestamp,
    key: message.key,
    value: message.value,
    headers: message.headers,
  };
}
