import type { Context, Meter, Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, context as contextApi, trace } from '@opentelemetry/api';
import { injectTraceContext } from '@opaqueflow/telemetry';
import type { TopicCodec } from './codec.js';
import type { RecordCounters } from './counters.js';
import { recordCounters } from './counters.js';
import type { KafkaError } from './errors.js';
import type { HeaderValue, MessageProducer, OutgoingMessage } from './transport/types.js';

export interface OutgoingRecord<T> {
  readonly key: string | Buffer | null;
  readonly value: T;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export interface SendOutcome {
  /** Records the brokers acknowledged (acks=all). */
  readonly sent: number;
  /** Records that could not be encoded, by index in the input; they were not sent. */
  readonly failed: readonly { readonly index: number; readonly error: KafkaError }[];
}

/**
 * Encodes flow-model values with a topic's codec and sends them in one request. Each message
 * carries the W3C context of a PRODUCER span (OpenTelemetry messaging conventions), so a
 * consumer's processing span continues the trace.
 */
export class RecordProducer<T> {
  private readonly producer: MessageProducer;
  private readonly codec: TopicCodec<T>;
  private readonly tracer: Tracer;
  private readonly counters: RecordCounters;

  constructor(options: {
    producer: MessageProducer;
    codec: TopicCodec<T>;
    tracer?: Tracer;
    /** With a stage, counts opaqueflow_<stage>_records_produced_total / …_unencodable_total. */
    meter?: Meter;
    stage?: string;
  }) {
    this.producer = options.producer;
    this.codec = options.codec;
    this.tracer = options.tracer ?? trace.getTracer('opaqueflow-kafka');
    this.counters = recordCounters(
      options.stage === undefined ? undefined : options.meter,
      options.stage ?? '',
    );
  }

  async send(records: readonly OutgoingRecord<T>[], parent?: Context): Promise<SendOutcome> {
    const topic = this.codec.topic;
    const span = this.tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
          'messaging.batch.message_count': records.length,
        },
      },
      parent ?? contextApi.active(),
    );
    const spanContext = trace.setSpan(parent ?? contextApi.active(), span);
    const messages: OutgoingMessage[] = [];
    const failed: { index: number; error: KafkaError }[] = [];
    for (const [index, record] of records.entries()) {
      const encoded = this.codec.encode(record.value);
      if (!encoded.ok) {
        failed.push({ index, error: encoded.error });
        continue;
      }
      messages.push({
        key: record.key,
        value: encoded.value,
        headers: injectTraceContext({ ...record.headers }, spanContext) as Record<
          string,
          HeaderValue
        >,
      });
    }
    try {
      if (messages.length > 0) await this.producer.send(topic, messages);
      this.counters.produced(topic, messages.length);
      if (failed.length > 0) this.counters.unencodable(topic, failed.length);
      if (failed.length > 0)
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed.length} not encodable` });
      return { sent: messages.length, failed };
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  }
}
