/**
 * The Kafka client as opaqueflow uses it, and nothing more: produce a batch and wait for
 * acks=all, consume batches per partition with a commit after the handler resolved, create
 * and check topics. kafkajs sits behind it today (kafkajs.ts); another client is one more
 * file implementing these interfaces (see bench/kafka-clients for the candidates).
 */

export type HeaderValue = Buffer | string;

export interface OutgoingMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export interface IncomingMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, HeaderValue | HeaderValue[] | undefined>>;
  /** 64-bit offsets kept as decimal strings. */
  readonly offset: string;
  /** Milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}

export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order, never empty. */
  readonly messages: readonly IncomingMessage[];
  /** The partition's log end offset when the batch was fetched (lag = it − next offset). */
  readonly highWatermark: string;
}

export interface BatchControl {
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
  /** False once stop() was called or the partition was revoked: stop early, do not commit. */
  isRunning(): boolean;
}

export interface ProducerOptions {
  /** No duplicates from the client's own retries, order kept per partition (default true). */
  readonly idempotent?: boolean;
}

export interface MessageProducer {
  connect(): Promise<void>;
  /** Resolves once every message is acknowledged by all in-sync replicas (acks=all). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Waits for sends in flight, then closes. */
  disconnect(): Promise<void>;
  isConnected(): boolean;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs?: number;
  /** Upper bound of one fetch per partition: bounds a batch's memory. */
  readonly maxBytesPerPartition?: number;
  /** How long the broker may hold a fetch waiting for data. */
  readonly maxWaitMs?: number;
}

export interface ConsumerRunOptions {
  readonly topics: readonly string[];
  /** Where a group without committed offsets starts. */
  readonly fromBeginning?: boolean;
  /** Partitions handled at once (default 1: batches of one consumer are sequential). */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * One partition's batch. Its offsets are committed only after this resolves; a throw
   * leaves them where they were and the batch is delivered again (at-least-once).
   */
  readonly eachBatch: (batch: MessageBatch, control: BatchControl) => Promise<void>;
}

export interface MessageConsumer {
  connect(): Promise<void>;
  /** Subscribes and starts consuming; resolves once running. */
  run(options: ConsumerRunOptions): Promise<void>;
  /** Stops fetching, waits for the batch in flight (committed when it resolved), leaves the group. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  /** Called when the consumer gave up after its retries (it is not consuming any more). */
  onCrash(listener: (error: Error) => void): void;
  /** Called after each group join with this member's partitions, by topic. */
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs: cleanup.policy, retention.ms, min.insync.replicas, … */
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The configs asked for in describeTopics, as the broker reports them. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface PartitionLag {
  readonly partition: number;
  /** Next offset the group will read (its committed offset, or the log start when none). */
  readonly committed: string;
  readonly highWatermark: string;
  readonly lag: number;
}

export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  brokerCount(): Promise<number>;
  /** null for a topic that does not exist. */
  describeTopics(
    names: readonly string[],
    configNames: readonly string[],
  ): Promise<Map<string, TopicDescription | null>>;
  /** Creates what is missing; a topic another process created meanwhile is not an error. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** A group's lag on one topic, per partition. */
  groupLag(groupId: string, topic: string): Promise<PartitionLag[]>;
}

export interface KafkaClient {
  producer(options?: ProducerOptions): MessageProducer;
  consumer(options: ConsumerOptions): MessageConsumer;
  admin(): KafkaAdmin;
}
