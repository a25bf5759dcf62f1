import type { Logger } from '@opaqueflow/telemetry';
import type { Admin, Consumer, KafkaConfig, LogEntry, Producer, logCreator } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type {
  ConsumerOptions,
  ConsumerRunOptions,
  KafkaAdmin,
  KafkaClient,
  MessageConsumer,
  MessageProducer,
  PartitionLag,
  ProducerOptions,
  TopicDescription,
  TopicSpec,
} from './types.js';

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

/** The KafkaClient interface over kafkajs 2.2.4. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    ...(options.logger ? { logCreator: pinoLogCreator(options.logger) } : {}),
  });
  return Object.freeze({
    producer: (o: ProducerOptions = {}) => new KafkajsProducer(kafka, o),
    consumer: (o: ConsumerOptions) => new KafkajsConsumer(kafka, o),
    admin: () => new KafkajsAdmin(kafka.admin()),
  });
}

class KafkajsProducer implements MessageProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka, options: ProducerOptions) {
    const idempotent = options.idempotent ?? true;
    this.producer = kafka.producer({
      idempotent,
      // kafkajs keeps idempotent ordering only with one request in flight per broker.
      maxInFlightRequests: idempotent ? 1 : 5,
      // A typo in a topic name must fail, not create a topic.
      allowAutoTopicCreation: false,
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async send(topic: string, messages: Parameters<MessageProducer['send']>[1]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value,
        ...(m.headers === undefined ? {} : { headers: { ...m.headers } }),
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }

  isConnected(): boolean {
    return this.connected;
  }
}

class KafkajsConsumer implements MessageConsumer {
  private readonly consumer: Consumer;
  private connected = false;
  private readonly crashListeners: ((error: Error) => void)[] = [];

  constructor(kafka: Kafka, options: ConsumerOptions) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      ...(options.maxWaitMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitMs }),
      ...(options.maxBytesPerPartition === undefined
        ? {}
        : { maxBytesPerPartition: options.maxBytesPerPartition }),
    });
    const events = this.consumer.events;
    this.consumer.on(events.CONNECT, () => (this.connected = true));
    this.consumer.on(events.DISCONNECT, () => (this.connected = false));
    this.consumer.on(events.CRASH, (event) => {
      // kafkajs restarts on retriable errors by itself; only a final crash is reported.
      if (event.payload.restart) return;
      this.connected = false;
      for (const l of this.crashListeners) l(event.payload.error);
    });
  }

  async connect(): Promise<void> {
    await this.consumer.connect();
    this.connected = true;
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    await this.consumer.subscribe({
      topics: [...options.topics],
      fromBeginning: options.fromBeginning ?? false,
    });
    await this.consumer.run({
      // Offsets move only by the explicit commit below, after the handler resolved.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
        await options.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map((m) => ({
              key: m.key,
              value: m.value,
              headers: m.headers ?? {},
              offset: m.offset,
              timestamp: m.timestamp,
            })),
            highWatermark: batch.highWatermark,
          },
          { heartbeat: () => payload.heartbeat(), isRunning: () => payload.isRunning() },
        );
        const last = batch.lastOffset();
        // A partition revoked while the batch ran belongs to another member now: its commit
        // would be refused, and the new owner replays from the last committed offset.
        if (payload.isStale()) return;
        payload.resolveOffset(last);
        // Through the batch's own commit: consumer.commitOffsets() is a no-op once stop() was
        // called, and the batch that was in flight at SIGTERM must still be committed.
        await payload.commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
            },
          ],
        });
        await payload.heartbeat();
      },
    });
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
    this.connected = false;
  }

  isConnected(): boolean {
    return this.connected;
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }

  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) =>
      listener(event.payload.memberAssignment),
    );
  }
}

class KafkajsAdmin implements KafkaAdmin {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  async brokerCount(): Promise<number> {
    return (await this.admin.describeCluster()).brokers.length;
  }

  async describeTopics(
    names: readonly string[],
    configNames: readonly string[],
  ): Promise<Map<string, TopicDescription | null>> {
    const out = new Map<string, TopicDescription | null>();
    const existing = new Set(await this.admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    for (const n of names) out.set(n, null);
    if (present.length === 0) return out;
    const metadata = await this.admin.fetchTopicMetadata({ topics: present });
    const configs = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({
        type: 2 /* TOPIC */,
        name,
        configNames: [...configNames],
      })),
    });
    for (const t of metadata.topics) {
      const resource = configs.resources.find((r) => r.resourceName === t.name);
      const values: Record<string, string> = {};
      for (const e of resource?.configEntries ?? []) values[e.configName] = e.configValue;
      out.set(t.name, {
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)),
        configs: values,
      });
    }
    return out;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return;
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (err) {
      // Another replica created them between listTopics and createTopics.
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    await this.admin.deleteTopics({ topics: [...names] });
  }

  async groupLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const byPartition = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]),
    );
    return ends
      .map((e) => {
        const c = byPartition.get(e.partition);
        const next = c === undefined || c === '-1' ? e.low : c;
        return {
          partition: e.partition,
          committed: next,
          highWatermark: e.high,
          lag: Math.max(0, Number(BigInt(e.high) - BigInt(next))),
        };
      })
      .sort((a, b) => a.partition - b.partition);
  }
}
