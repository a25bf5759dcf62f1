import type { Context, Meter, Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, context as contextApi, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@opaqueflow/telemetry';
import type { Consumer, IHeaders, KafkaMessage } from 'kafkajs';
import type { TopicCodec } from './codec.js';
import { recordCounters } from './counters.js';
import type { DeadLetter, DlqPublisher } from './dlq.js';

export interface ConsumedRecord<T> {
  readonly value: T;
  readonly key: Buffer | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: IHeaders;
  /**
   * runRecordConsumer: the processing span's context (a child of the producer's), to pass on to
   * what the handler produces. runRecordBatchConsumer: the producer's context as extracted from
   * the headers (the batch's processing span is BatchInfo.context).
   */
  readonly context: Context;
}

export interface RecordConsumerOptions<T> {
  /** Connected by the caller; subscribed here. */
  readonly consumer: Consumer;
  readonly codec: TopicCodec<T>;
  readonly dlq: DlqPublisher;
  /** The stage named in dead letters' headers. */
  readonly stage: string;
  readonly handle: (record: ConsumedRecord<T>) => Promise<void>;
  /** Told about each dead letter after the DLQ acknowledged it (count it, log it). */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  readonly tracer?: Tracer;
  /** Counts opaqueflow_<stage>_records_consumed_total and …_dead_lettered_total. */
  readonly meter?: Meter;
  readonly fromBeginning?: boolean;
}

/**
 * Subscribes and runs: each message is decoded through the registry; one that cannot be
 * decoded or mapped goes to the DLQ with its original bytes and the reason, and consumption
 * moves on. kafkajs commits an offset only after its handler (or the DLQ write) resolved, so
 * delivery is at-least-once; a handler that throws makes kafkajs retry the message.
 */
export async function runRecordConsumer<T>(options: RecordConsumerOptions<T>): Promise<void> {
  const { consumer, codec, dlq, stage } = options;
  const tracer = options.tracer ?? trace.getTracer('opaqueflow-kafka');
  const counters = recordCounters(options.meter, stage);
  await consumer.subscribe({
    topics: [codec.topic],
    fromBeginning: options.fromBeginning ?? false,
  });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers = message.headers ?? {};
      const parent = extractTraceContext(headers, contextApi.active());
      const span = tracer.startSpan(
        `process ${topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.destination.name': topic,
            'messaging.destination.partition.id': String(partition),
            'messaging.kafka.offset': Number(message.offset),
          },
        },
        parent,
      );
      const ctx = trace.setSpan(parent, span);
      try {
        const decoded = await codec.decode(message.value);
        if (!decoded.ok) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: decoded.error.code });
          const letter = letterFor(message, topic, partition, stage, decoded.error);
          await dlq.publish([letter]);
          counters.deadLettered(topic, letter.code);
          options.onDeadLetter?.(letter);
          return;
        }
        counters.consumed(topic);
        await contextApi.with(ctx, () =>
          options.handle({
            value: decoded.value,
            key: message.key,
            topic,
            partition,
            offset: message.offset,
            headers,
            context: ctx,
          }),
        );
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

/** The dead letter for a message a stage gave up on. */
export function letterFor(
  message: KafkaMessage,
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
    headers: message.headers ?? {},
  };
}
