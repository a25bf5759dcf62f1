export type KafkaErrorCode =
  /** A schema file under schemas/ is missing, unreadable or not valid Avro. */
  | 'SCHEMA_LOAD_FAILED'
  /** The registry refused a schema as incompatible with the subject's history (HTTP 409). */
  | 'SCHEMA_INCOMPATIBLE'
  /** The registry answered with an error other than incompatibility, or not at all. */
  | 'REGISTRY_FAILED'
  /** Bytes are not in the Confluent wire format (too short, wrong magic byte). */
  | 'WIRE_FORMAT_INVALID'
  /** The schema id in a message is unknown to the registry, or the bytes do not decode. */
  | 'DECODE_FAILED'
  /** A decoded value does not fit the flow-model types (unknown symbol, bad ip version, …). */
  | 'RECORD_INVALID'
  /** A value could not be encoded with the topic's schema. */
  | 'ENCODE_FAILED'
  /** A topic exists with settings that break the pipeline (cleanup policy). */
  | 'TOPIC_MISCONFIGURED';

export class KafkaError extends Error {
  readonly code: KafkaErrorCode;
  /** Field path within the record for RECORD_INVALID/ENCODE_FAILED, e.g. "handshake.protocol". */
  readonly path: string | null;

  constructor(
    code: KafkaErrorCode,
    message: string,
    options: { cause?: unknown; path?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaError';
    this.code = code;
    this.path = options.path ?? null;
  }
}

/** What a decode step returns instead of throwing: bad records are counted and dead-lettered. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KafkaError };
