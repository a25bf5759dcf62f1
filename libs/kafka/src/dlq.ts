import type { IncomingMessage, MessageProducer, OutgoingMessage } from './transport/types.js';

type Headers = IncomingMessage['headers'];

/** Header names of a dead letter's reason; the value and key stay the original bytes. */
export const DLQ_HEADERS = Object.freeze({
  code: 'opaqueflow.dlq.code',
  message: 'opaqueflow.dlq.message',
  stage: 'opaqueflow.dlq.stage',
  sourceTopic: 'opaqueflow.dlq.source.topic',
  sourcePartition: 'opaqueflow.dlq.source.partition',
  sourceOffset: 'opaqueflow.dlq.source.offset',
  sourceTimestamp: 'opaqueflow.dlq.source.timestamp',
  time: 'opaqueflow.dlq.time',
});

const MAX_REASON_LENGTH = 1_000;

export interface DeadLetter {
  /** Machine-readable reason, e.g. a KafkaError code or a decoder's reason code. */
  readonly code: string;
  readonly message: string;
  /** Which stage gave up on the record: ingest, features, scorer, query. */
  readonly stage: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string kafkajs gives. */
  readonly sourceOffset: string;
  /** The original message's timestamp (ms since epoch, as a string), when there was one. */
  readonly sourceTimestamp?: string;
  readonly key: Buffer | null;
  /** The original bytes, untouched, so the record can be replayed once the cause is fixed. */
  readonly value: Buffer | null;
  readonly headers?: Headers;
}

/**
 * The DLQ message for a dead letter: original key, value and headers (trace context included,
 * so the dead letter joins its trace) plus the reason headers, which win over same-named
 * originals (a record dead-lettered twice carries its latest reason).
 */
export function deadLetterMessage(dl: DeadLetter, nowMs: number = Date.now()): OutgoingMessage {
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(dl.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first;
  }
  headers[DLQ_HEADERS.code] = dl.code;
  headers[DLQ_HEADERS.message] = dl.message.slice(0, MAX_REASON_LENGTH);
  headers[DLQ_HEADERS.stage] = dl.stage;
  headers[DLQ_HEADERS.sourceTopic] = dl.sourceTopic;
  headers[DLQ_HEADERS.sourcePartition] = String(dl.sourcePartition);
  headers[DLQ_HEADERS.sourceOffset] = dl.sourceOffset;
  if (dl.sourceTimestamp !== undefined) headers[DLQ_HEADERS.sourceTimestamp] = dl.sourceTimestamp;
  headers[DLQ_HEADERS.time] = String(nowMs);
  return { key: dl.key, value: dl.value, headers };
}

export class DlqPublisher {
  readonly topic: string;
  private readonly producer: MessageProducer;

  constructor(options: { producer: MessageProducer; topic: string }) {
    this.producer = options.producer;
    this.topic = options.topic;
  }

  /** Resolves once the DLQ topic has acknowledged every letter (acks=all). */
  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const now = Date.now();
    await this.producer.send(
      this.topic,
      letters.map((dl) => deadLetterMessage(dl, now)),
    );
  }
}
