import type { Logger } from '@opaqueflow/telemetry';
import type { Consumer, KafkaConfig, LogEntry, Producer, logCreator } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';

export interface KafkaClientOptions {
  readonly clientId: string;
  /** host:port strings. */
  readonly brokers: readonly string[];
  /** kafkajs logs go here as JSON (component=kafkajs); silent when omitted. */
  readonly logger?: Logger;
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

function pinoLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = entry;
      const fields = { namespace, ...extra };
      if (level === logLevel.ERROR) log.error(fields, message);
      else if (level === logLevel.WARN) log.warn(fields, message);
      else if (level === logLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
    };
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    ...(options.logger ? { logCreator: pinoLogCreator(options.logger) } : {}),
  });
}

/**
 * A producer for pipeline output: idempotent (no duplicates from its own retries, order kept
 * per partition), no topic auto-creation (a typo in a topic name must fail, not create one).
 */
export function createProducer(
  kafka: Kafka,
  options: { idempotent?: boolean; transactionalId?: string } = {},
): Producer {
  const idempotent = options.idempotent ?? true;
  return kafka.producer({
    idempotent,
    // The broker only guarantees idempotent ordering up to 5 in-flight requests; kafkajs
    // itself asks for 1 with idempotence.
    maxInFlightRequests: idempotent ? 1 : 5,
    allowAutoTopicCreation: false,
    ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
  });
}

/** A consumer in `groupId`, reading committed data only, without topic auto-creation. */
export function createConsumer(
  kafka: Kafka,
  options: { groupId: string; sessionTimeoutMs?: number; maxBytesPerPartition?: number },
): Consumer {
  return kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    ...(options.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: options.maxBytesPerPartition }),
  });
}
