import type avro from 'avsc';
import type { Detection, FlowFeatures, FlowRecord } from '@opaqueflow/flow-model';
import type { AvroDetection, AvroFlowFeatures, AvroFlowRecord } from './avro-types.js';
import type { Result } from './errors.js';
import { KafkaError } from './errors.js';
import {
  detectionFromAvro,
  detectionToAvro,
  flowFeaturesFromAvro,
  flowFeaturesToAvro,
  flowRecordFromAvro,
  flowRecordToAvro,
} from './mapping.js';
import type { Registry } from './registry.js';
import { valueSubject } from './registry.js';
import type { LoadedSchema, RecordName } from './schemas.js';
import { loadSchema } from './schemas.js';
import { decodeWire, encodeWire } from './wire.js';

/** How one flow-model type maps to and from its Avro record. */
export interface RecordBinding<T> {
  readonly name: RecordName;
  toAvro(value: T): unknown;
  fromAvro(value: unknown): Result<T>;
}

export const FLOW_RECORD: RecordBinding<FlowRecord> = Object.freeze({
  name: 'FlowRecord',
  toAvro: flowRecordToAvro,
  fromAvro: (v: unknown) => flowRecordFromAvro(v as AvroFlowRecord),
});
export const FLOW_FEATURES: RecordBinding<FlowFeatures> = Object.freeze({
  name: 'FlowFeatures',
  toAvro: flowFeaturesToAvro,
  fromAvro: (v: unknown) => flowFeaturesFromAvro(v as AvroFlowFeatures),
});
export const DETECTION: RecordBinding<Detection> = Object.freeze({
  name: 'Detection',
  toAvro: detectionToAvro,
  fromAvro: (v: unknown) => detectionFromAvro(v as AvroDetection),
});

/**
 * Avro bodies (no wire header) for one record type against the committed schema: what the
 * registry codec builds on, usable without a registry (tests, files, the embedded bus).
 */
export class AvroCodec<T> {
  readonly binding: RecordBinding<T>;
  readonly schema: LoadedSchema;

  constructor(binding: RecordBinding<T>, schema: LoadedSchema = loadSchema(binding.name)) {
    this.binding = binding;
    this.schema = schema;
  }

  encodeBody(value: T): Result<Buffer> {
    try {
      return { ok: true, value: this.schema.type.toBuffer(this.binding.toAvro(value)) };
    } catch (cause) {
      const paths: string[] = [];
      try {
        this.schema.type.isValid(this.binding.toAvro(value), {
          errorHook: (path) => paths.push(path.join('.')),
        });
      } catch {
        // The path list is a courtesy; the original error already says enough.
      }
      return {
        ok: false,
        error: new KafkaError(
          'ENCODE_FAILED',
          `${this.binding.name} does not fit its schema${paths.length ? ` at ${paths.join(', ')}` : ''}`,
          { cause, path: paths[0] ?? null },
        ),
      };
    }
  }

  /** Reads a body written with `writer` (this schema when omitted) into the current shape. */
  decodeBody(body: Buffer, resolver?: avro.Resolver): Result<T> {
    let raw: unknown;
    try {
      raw = this.schema.type.fromBuffer(body, resolver);
    } catch (cause) {
      return {
        ok: false,
        error: new KafkaError('DECODE_FAILED', `bytes do not decode as ${this.binding.name}`, {
          cause,
        }),
      };
    }
    return this.binding.fromAvro(raw);
  }
}

/**
 * A topic's value codec through the schema registry: registers the committed schema under
 * `<topic>-value` (BACKWARD), writes the Confluent wire format, and reads any registered
 * version of the schema by resolving it to the committed one.
 */
export class TopicCodec<T> {
  readonly topic: string;
  readonly subject: string;
  readonly avro: AvroCodec<T>;
  private readonly registry: Registry;
  private id: number | null = null;
  private readonly resolvers = new Map<number, Promise<Result<avro.Resolver | undefined>>>();

  constructor(options: {
    registry: Registry;
    topic: string;
    binding: RecordBinding<T>;
    schema?: LoadedSchema;
  }) {
    this.topic = options.topic;
    this.subject = valueSubject(options.topic);
    this.registry = options.registry;
    this.avro = new AvroCodec(options.binding, options.schema);
  }

  /** Idempotent; call at start-up, before encode. */
  async register(): Promise<number> {
    this.id ??= await this.registry.register(this.subject, this.avro.schema.text);
    return this.id;
  }

  get schemaId(): number | null {
    return this.id;
  }

  encode(value: T): Result<Buffer> {
    if (this.id === null)
      return {
        ok: false,
        error: new KafkaError('ENCODE_FAILED', `${this.subject}: register() was not called`),
      };
    const body = this.avro.encodeBody(value);
    return body.ok ? { ok: true, value: encodeWire(this.id, body.value) } : body;
  }

  /**
   * Bad bytes, unknown schema ids and values outside the flow-model types come back as
   * results to dead-letter. Only an unreachable registry throws (REGISTRY_FAILED): that is an
   * outage to retry, not a bad record.
   */
  async decode(message: Buffer | null | undefined): Promise<Result<T>> {
    const frame = decodeWire(message);
    if (!frame.ok) return frame;
    const resolver = await this.resolverFor(frame.value.schemaId);
    if (!resolver.ok) return resolver;
    return this.avro.decodeBody(frame.value.body, resolver.value);
  }

  private resolverFor(schemaId: number): Promise<Result<avro.Resolver | undefined>> {
    let pending = this.resolvers.get(schemaId);
    if (pending === undefined) {
      pending = this.lookup(schemaId);
      this.resolvers.set(schemaId, pending);
      // An outage must not be remembered: the next message asks again.
      void pending.catch(() => this.resolvers.delete(schemaId));
    }
    return pending;
  }

  private async lookup(schemaId: number): Promise<Result<avro.Resolver | undefined>> {
    if (schemaId === this.id) return { ok: true, value: undefined };
    let writer: avro.Type;
    try {
      writer = (await this.registry.client.getSchema(schemaId)) as unknown as avro.Type;
    } catch (cause) {
      const status = (cause as { status?: unknown }).status;
      if (status === 404)
        return {
          ok: false,
          error: new KafkaError(
            'DECODE_FAILED',
            `schema id ${schemaId} is unknown to the registry`,
            {
              cause,
            },
          ),
        };
      throw new KafkaError('REGISTRY_FAILED', `cannot fetch schema id ${schemaId}`, { cause });
    }
    const reader = this.avro.schema.type;
    if (reader.equals(writer)) return { ok: true, value: undefined };
    try {
      return { ok: true, value: reader.createResolver(writer) };
    } catch (cause) {
      return {
        ok: false,
        error: new KafkaError(
          'DECODE_FAILED',
          `schema id ${schemaId} cannot be read as the current ${this.avro.binding.name}`,
          { cause },
        ),
      };
    }
  }
}
