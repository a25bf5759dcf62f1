import type { Result } from './errors.js';
import { KafkaError } from './errors.js';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro body. */
export const WIRE_HEADER_LENGTH = 5;

export function encodeWire(schemaId: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(WIRE_HEADER_LENGTH + body.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(schemaId, 1);
  out.set(body, WIRE_HEADER_LENGTH);
  return out;
}

export interface WireFrame {
  readonly schemaId: number;
  /** A view into the message bytes, not a copy. */
  readonly body: Buffer;
}

export function decodeWire(message: Buffer | null | undefined): Result<WireFrame> {
  if (message === null || message === undefined)
    return { ok: false, error: new KafkaError('WIRE_FORMAT_INVALID', 'message has no value') };
  if (message.length < WIRE_HEADER_LENGTH)
    return {
      ok: false,
      error: new KafkaError(
        'WIRE_FORMAT_INVALID',
        `${message.length} bytes is shorter than the 5-byte wire header`,
      ),
    };
  if (message[0] !== 0)
    return {
      ok: false,
      error: new KafkaError('WIRE_FORMAT_INVALID', `magic byte ${message[0]} is not 0`),
    };
  return {
    ok: true,
    value: { schemaId: message.readUInt32BE(1), body: message.subarray(WIRE_HEADER_LENGTH) },
  };
}
