export { KafkaError } from './errors.js';
export type { KafkaErrorCode, Result } from './errors.js';
export {
  CONTENT_MAGICS,
  DETECTION_STATUSES,
  FLOW_SOURCES,
  HANDSHAKE_PROTOCOLS,
  SEVERITIES,
  TRANSPORTS,
  VERDICTS,
} from '@opaqueflow/flow-model';
export type {
  AvroDetection,
  AvroExporterEvidence,
  AvroFlowFeatures,
  AvroFlowRecord,
  AvroFlowSummary,
} from './avro-types.js';
export {
  detectionFromAvro,
  detectionToAvro,
  flowFeaturesFromAvro,
  flowFeaturesToAvro,
  flowRecordFromAvro,
  flowRecordToAvro,
} from './mapping.js';
export { WIRE_HEADER_LENGTH, decodeWire, encodeWire } from './wire.js';
export type { WireFrame } from './wire.js';
export { DEFAULT_SCHEMAS_DIR, RECORD_NAMES, loadSchema, parseSchema } from './schemas.js';
export type { LoadedSchema, RecordName } from './schemas.js';
export { Registry, valueSubject } from './registry.js';
export type { Compatibility, RegistryOptions } from './registry.js';
export { AvroCodec, DETECTION, FLOW_FEATURES, FLOW_RECORD, TopicCodec } from './codec.js';
export type { RecordBinding } from './codec.js';
export { DLQ_HEADERS, DlqPublisher, deadLetterMessage } from './dlq.js';
export type { DeadLetter } from './dlq.js';
export { createKafkaClient } from './transport/kafkajs.js';
export type { KafkaClientOptions } from './transport/kafkajs.js';
export type {
  BatchControl,
  ConsumerOptions,
  ConsumerRunOptions,
  HeaderValue,
  IncomingMessage,
  KafkaAdmin,
  KafkaClient,
  MessageBatch,
  MessageConsumer,
  MessageProducer,
  OutgoingMessage,
  PartitionLag,
  ProducerOptions,
  TopicDescription,
  TopicSpec,
} from './transport/types.js';
export { ensureTopics, pipelineTopicSpecs } from './transport/topics.js';
export type { PipelineTopicNames, PipelineTopicOptions, TopicFinding } from './transport/topics.js';
export { RecordProducer } from './producer.js';
export type { OutgoingRecord, SendOutcome } from './producer.js';
export { recordCounters } from './counters.js';
export type { RecordCounters } from './counters.js';
export { letterFor, runRecordBatchConsumer } from './batch-consumer.js';
export type { BatchInfo, ConsumedRecord, RecordBatchConsumerOptions } from './batch-consumer.js';
export { CLOSED_ENUMS, checkSchemaEvolution, readsDataOf } from './evolution.js';
export type { EvolutionFinding, EvolutionOptions } from './evolution.js';
