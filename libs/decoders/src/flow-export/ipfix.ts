import { rejectSet, type DecodeEnv, type Sink } from './env.js';
import { readUnsigned } from './record-reader.js';
import type { ExporterState } from './template-cache.js';
import {
  decodeDataSet as decodeDataSetImport,
  learnTemplate,
  missingTemplate,
  withdrawTemplate,
} from './templated.js';
import type { RejectReason, TemplateField } from './types.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const decodeDataSet = decodeDataSetImport;

export const IPFIX_VERSION = 10;
export const IPFIX_HEADER_LENGTH = 16;
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;

/**
 * Parse the template records of a Template Set (2) or Options Template Set (3), RFC 7011
 * §3.4. A record with field count 0 withdraws its template; template id 2 (3 for options)
 * with count 0 withdraws them all. Returns a reason when the set is malformed.
 */
function templateSet(
  env: DecodeEnv,
  state: ExporterState,
  exporter: string,
  domain: number,
  setId: number,
  b: Uint8Array,
  start: number,
  end: number,
): RejectReason | null {
  const options = setId === OPTIONS_TEMPLATE_SET;
  let off = start;
  while (end - off >= 4) {
    const templateId = (b[off]! << 8) | b[off + 1]!;
    const fieldCount = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
    if (fieldCount === 0) {
      if (templateId === setId) withdrawTemplate(env, state, 'ipfix', exporter, domain, null);
      else if (templateId >= 256)
        withdrawTemplate(env, state, 'ipfix', exporter, domain, templateId);
      else if (templateId === 0)
        return null; // padding
      else return 'bad-template';
      continue;
    }
    if (templateId < 256) return 'bad-template';
    let scopeFieldCount = 0;
    if (options) {
      if (off + 2 > end) return 'bad-template';
      scopeFieldCount = (b[off]! << 8) | b[off + 1]!;
      off += 2;
      if (scopeFieldCount === 0 || scopeFieldCount > fieldCount) return 'bad-template';
    }
    const fields: TemplateField[] = [];
    for (let i = 0; i < fieldCount; i++) {
      if (off + 4 > end) return 'bad-template';
      const raw = (b[off]! << 8) | b[off + 1]!;
      const length = (b[off + 2]! << 8) | b[off + 3]!;
      off += 4;
      let enterprise = 0;
      if (raw & 0x8000) {
        if (off + 4 > end) return 'bad-template';
        enterprise = readUnsigned(b, off, 4);
        off += 4;
      }
      fields.push({ id: raw & 0x7fff, length, enterprise });
    }
    const learned = learnTemplate(env, state, {
      protocol: 'ipfix',
      exporter,
      observationDomain: domain,
      templateId,
      scopeFieldCount,
      options,
      fields,
      learnedMs: env.nowMs(),
    });
    if (!learned) return 'bad-template';
  }
  return null;
}

/**
 * Decode one IPFIX message at `start`. Returns the message length consumed, or the packet
 * level reason it was rejected. Set-level problems are counted in the sink and the rest of
 * the message is still read where its framing allows.
 */
export function decodeIpfixMessage(
  env: DecodeEnv,
  state: ExporterState,
  exporter: string,
  b: Uint8Array,
  start: number,
  end: number,
  sink: Sink,
): number | RejectReason {
  if (end - start < IPFIX_HEADER_LENGTH) return 'truncated-header';
  if (((b[start]! << 8) | b[start + 1]!) !== IPFIX_VERSION) return 'unknown-version';
  const length = (b[start + 2]! << 8) | b[start + 3]!;
  if (length < IPFIX_HEADER_LENGTH || length > end - start) return 'bad-message-length';
  const exportSeconds = readUnsigned(b, start + 4, 4);
  const domain = readUnsigned(b, start + 12, 4);
  const ctx = env.ctx;
  ctx.source = 'ipfix';
  ctx.exporter = exporter;
  ctx.observationDomain = domain;
  ctx.exportMs = exportSeconds * 1000;
  ctx.sysUptimeMs = -1;
  ctx.maxPayloadBytes = env.maxPayloadBytes;
  const messageEnd = start + length;
  let off = start + IPFIX_HEADER_LENGTH;
  while (messageEnd - off >= 4) {
    const setId = (b[off]! << 8) | b[off + 1]!;
    const setLength = (b[off + 2]! << 8) | b[off + 3]!;
    if (setLength < 4 || off + setLength > messageEnd) {
      rejectSet(env, sink, 'bad-set-length');
      return length;
    }
    const bodyStart = off + 4;
    const bodyEnd = off + setLength;
    off = bodyEnd;
    if (setId === TEMPLATE_SET || setId === OPTIONS_TEMPLATE_SET) {
      const reason = templateSet(env, state, exporter, domain, setId, b, bodyStart, bodyEnd);
      if (reason !== null) rejectSet(env, sink, reason);
    } else if (setId >= 256) {
      const tpl = env.cache.get(state, 'ipfix', domain, setId);
      if (tpl === undefined) {
        missingTemplate(env, 'ipfix', domain, setId, b, bodyStart, bodyEnd, sink);
      } else decodeDataSet(env, state, tpl, b, bodyStart, bodyEnd, sink);
    }
    // Set ids 0, 1 and 4–255 are reserved (RFC 7011 §3.3.2): skipped by their length.
  }
  return length;
}
