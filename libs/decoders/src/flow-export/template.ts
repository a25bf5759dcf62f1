import { Op, isByteOp, opFor } from './elements.js';
import type { StoredTemplate, TemplateField } from './types.js';

export const VARIABLE_LENGTH = 65535;

/**
 * A template turned into parallel arrays of operations and lengths once, when it is
 * learned, so each data record is decoded by one tight loop.
 */
export interface CompiledTemplate {
  readonly stored: StoredTemplate;
  readonly ops: Uint8Array;
  readonly lengths: Uint16Array;
  /** Record length when every field is fixed; -1 with variable-length fields. */
  readonly fixedLength: number;
  /** Smallest possible record (each variable-length field at its 1-byte minimum). */
  readonly minLength: number;
  /** Carries addresses, so its records are flows (not options data). */
  readonly hasAddresses: boolean;
}

/** Wire lengths an operation can be read from; other lengths make the field skipped. */
function lengthFits(op: number, length: number): boolean {
  if (length === VARIABLE_LENGTH) return isByteOp(op) && op !== Op.src6 && op !== Op.dst6;
  switch (op) {
    case Op.src4:
    case Op.dst4:
      return length === 4;
    case Op.src6:
    case Op.dst6:
      return length === 16;
    case Op.startMicrosNtp:
    case Op.endMicrosNtp:
    case Op.startNanosNtp:
    case Op.endNanosNtp:
      return length === 8;
    default:
      return isByteOp(op) || (length >= 1 && length <= 8);
  }
}

/** Null when the template cannot describe a record (no fields, zero-length field…). */
export function compileTemplate(stored: StoredTemplate): CompiledTemplate | null {
  const n = stored.fields.length;
  if (n === 0 || n > 1024) return null;
  const ops = new Uint8Array(n);
  const lengths = new Uint16Array(n);
  let fixed = 0;
  let min = 0;
  let variable = false;
  let src = false;
  let dst = false;
  for (let i = 0; i < n; i++) {
    const f: TemplateField = stored.fields[i]!;
    if (f.length === 0) return null;
    if (f.length === VARIABLE_LENGTH) {
      if (stored.protocol !== 'ipfix') return null;
      variable = true;
      min += 1;
    } else {
      fixed += f.length;
      min += f.length;
    }
    const op = opFor(f.id, f.enterprise);
    const usable = lengthFits(op, f.length) ? op : Op.skip;
    ops[i] = usable;
    lengths[i] = f.length;
    if (usable === Op.src4 || usable === Op.src6) src = true;
    if (usable === Op.dst4 || usable === Op.dst6) dst = true;
  }
  return {
    stored,
    ops,
    lengths,
    fixedLength: variable ? -1 : fixed,
    minLength: min,
    hasAddresses: src && dst,
  };
}
