import { rejectSet, type DecodeEnv, type Sink } from './env.js';
import { readUnsigned } from './record-reader.js';
import type { ExporterState } from './template-cache.js';
import {
  decodeDataSet as decodeDataSetImport,
  learnTemplate,
  missingTemplate,
} from './templated.js';
import type { RejectReason, TemplateField } from './types.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const decodeDataSet = decodeDataSetImport;

export const NETFLOW9_HEADER_LENGTH = 20;
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;

function fieldsAt(b: Uint8Array, off: number, count: number): TemplateField[] {
  const fields: TemplateField[] = [];
  for (let i = 0; i < count; i++, off += 4) {
    fields.push({
      id: (b[off]! << 8) | b[off + 1]!,
      length: (b[off + 2]! << 8) | b[off + 3]!,
      enterprise: 0,
    });
  }
  return fields;
}

/** Template FlowSet (RFC 3954 §5.2): template id, field count, (type, length) pairs. */
function templateFlowSet(
  env: DecodeEnv,
  state: ExporterState,
  exporter: string,
  domain: number,
  b: Uint8Array,
  start: number,
  end: number,
): RejectReason | null {
  let off = start;
  while (end - off >= 4) {
    const templateId = (b[off]! << 8) | b[off + 1]!;
    const fieldCount = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
    if (templateId === 0 && fieldCount === 0) return null; // padding
    if (templateId < 256 || fieldCount === 0) return 'bad-template';
    if (off + fieldCount * 4 > end) return 'bad-template';
    const fields = fieldsAt(b, off, fieldCount);
    off += fieldCount * 4;
    const ok = learnTemplate(env, state, {
      protocol: 'netflow9',
      exporter,
      observationDomain: domain,
      templateId,
      scopeFieldCount: 0,
      options: false,
      fields,
      learnedMs: env.nowMs(),
    });
    if (!ok) return 'bad-template';
  }
  return null;
}

/** Options Template FlowSet (RFC 3954 §6.1): scope and option lengths are in bytes. */
function optionsTemplateFlowSet(
  env: DecodeEnv,
  state: ExporterState,
  exporter: string,
  domain: number,
  b: Uint8Array,
  start: number,
  end: number,
): RejectReason | null {
  let off = start;
  while (end - off >= 6) {
    const templateId = (b[off]! << 8) | b[off + 1]!;
    const scopeBytes = (b[off + 2]! << 8) | b[off + 3]!;
    const optionBytes = (b[off + 4]! << 8) | b[off + 5]!;
    off += 6;
    if (templateId === 0 && scopeBytes === 0 && optionBytes === 0) return null; // padding
    if (templateId < 256 || scopeBytes % 4 !== 0 || optionBytes % 4 !== 0) return 'bad-template';
    if (scopeBytes + optionBytes === 0 || off + scopeBytes + optionBytes > end)
      return 'bad-template';
    const scopeCount = scopeBytes / 4;
    const fields = fieldsAt(b, off, scopeCount + optionBytes / 4);
    off += scopeBytes + optionBytes;
    const ok = learnTemplate(env, state, {
      protocol: 'netflow9',
      exporter,
      observationDomain: domain,
      templateId,
      scopeFieldCount: scopeCount,
      options: true,
      fields,
      learnedMs: env.nowMs(),
    });
    if (!ok) return 'bad-template';
  }
  return null;
}

/** Decode one NetFlow v9 export packet; returns a reason when the packet is rejected. */
export function decodeNetflow9(
  env: DecodeEnv,
  state: ExporterState,
  exporter: string,
  b: Uint8Array,
  sink: Sink,
): RejectReason | null {
  const end = b.length;
  if (end < NETFLOW9_HEADER_LENGTH) return 'truncated-header';
  const sysUptime = readUnsigned(b, 4, 4);
  const unixSeconds = readUnsigned(b, 8, 4);
  const domain = readUnsigned(b, 16, 4);
  const ctx = env.ctx;
  ctx.source = 'netflow9';
  ctx.exporter = exporter;
  ctx.observationDomain = domain;
  ctx.exportMs = unixSeconds * 1000;
  ctx.sysUptimeMs = sysUptime;
  ctx.maxPayloadBytes = env.maxPayloadBytes;
  let off = NETFLOW9_HEADER_LENGTH;
  while (end - off >= 4) {
    const flowSetId = (b[off]! << 8) | b[off + 1]!;
    const length = (b[off + 2]! << 8) | b[off + 3]!;
    if (length < 4 || off + length > end) {
      rejectSet(env, sink, 'bad-set-length');
      return null;
    }
    const bodyStart = off + 4;
    const bodyEnd = off + length;
    off = bodyEnd;
    if (flowSetId === TEMPLATE_FLOWSET || flowSetId === OPTIONS_TEMPLATE_FLOWSET) {
      const reason =
        flowSetId === TEMPLATE_FLOWSET
          ? templateFlowSet(env, state, exporter, domain, b, bodyStart, bodyEnd)
          : optionsTemplateFlowSet(env, state, exporter, domain, b, bodyStart, bodyEnd);
      if (reason !== null) rejectSet(env, sink, reason);
    } else if (flowSetId >= 256) {
      const tpl = env.cache.get(state, 'netflow9', domain, flowSetId);
      if (tpl === undefined) {
        missingTemplate(env, 'netflow9', domain, flowSetId, b, bodyStart, bodyEnd, sink);
      } else decodeDataSet(env, state, tpl, b, bodyStart, bodyEnd, sink);
    }
  }
  return null;
}
