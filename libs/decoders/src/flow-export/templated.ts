import { buildFlow as buildFlowImport } from './flow-builder.js';
import { rejectSet, type DecodeEnv, type Sink } from './env.js';
import {
  announcedSamplingRate as announcedSamplingRateImport,
  readRecord as readRecordImport,
} from './record-reader.js';
import type { ExporterState } from './template-cache.js';
import { compileTemplate, type CompiledTemplate } from './template.js';
import type { StoredTemplate, TemplateField } from './types.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const announcedSamplingRate = announcedSamplingRateImport;
const readRecord = readRecordImport;
const buildFlow = buildFlowImport;

/** Store writes for a template resent unchanged are skipped within this window. */
const STORE_REFRESH_MS = 60_000;

function sameFields(a: readonly TemplateField[], b: readonly TemplateField[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || x.length !== y.length || x.enterprise !== y.enterprise) return false;
  }
  return true;
}

/** Install a template announced by the exporter (new or refreshed). False: unusable. */
export function learnTemplate(
  env: DecodeEnv,
  state: ExporterState,
  stored: StoredTemplate,
): boolean {
  const existing = env.cache.get(
    state,
    stored.protocol,
    stored.observationDomain,
    stored.templateId,
  );
  if (
    existing !== undefined &&
    existing.stored.options === stored.options &&
    existing.stored.scopeFieldCount === stored.scopeFieldCount &&
    sameFields(existing.stored.fields, stored.fields)
  ) {
    env.cache.put(state, existing);
    if (env.sharing && stored.learnedMs - existing.stored.learnedMs > STORE_REFRESH_MS) {
      const refreshed = compileTemplate(stored);
      if (refreshed !== null) {
        env.cache.put(state, refreshed);
        env.storeChanges.push({ kind: 'put', template: stored });
      }
    }
    return true;
  }
  const compiled = compileTemplate(stored);
  if (compiled === null) return false;
  env.cache.put(state, compiled);
  env.counters.templatesLearned++;
  if (env.sharing) env.storeChanges.push({ kind: 'put', template: stored });
  return true;
}

export function withdrawTemplate(
  env: DecodeEnv,
  state: ExporterState,
  protocol: StoredTemplate['protocol'],
  exporter: string,
  domain: number,
  templateId: number | null,
): void {
  env.counters.templatesWithdrawn += env.cache.remove(state, protocol, domain, templateId);
  if (env.sharing) {
    env.storeChanges.push({
      kind: 'remove',
      protocol,
      exporter,
      observationDomain: domain,
      templateId,
    });
  }
}

/**
 * Decode the records of one data set with a known template. Options data updates the
 * domain's sampling state; flow data becomes FlowRecords. The caller set env.ctx.
 */
export function decodeDataSet(
  env: DecodeEnv,
  state: ExporterState,
  tpl: CompiledTemplate,
  b: Uint8Array,
  start: number,
  end: number,
  sink: Sink,
): void {
  const s = env.scratch;
  const ctx = env.ctx;
  const domainId = tpl.stored.observationDomain;
  const domain = env.cache.domain(state, domainId);
  const override = env.samplingOverride(ctx.exporter);
  let off = start;
  while (end - off >= tpl.minLength) {
    const next = readRecord(b, off, end, tpl, s);
    if (next < 0) {
      rejectSet(env, sink, 'truncated-record');
      return;
    }
    off = next;
    if (tpl.stored.options || !tpl.hasAddresses) {
      const rate = announcedSamplingRate(s);
      if (rate > 0) {
        if (s.samplerId >= 0) env.cache.setSamplerRate(domain, s.samplerId, rate);
        else domain.defaultRate = rate;
      }
      if (s.systemInitMs >= 0) domain.systemInitMs = s.systemInitMs;
      env.counters.recordsSkipped++;
      continue;
    }
    let rate = override;
    if (rate <= 0) rate = announcedSamplingRate(s);
    if (rate <= 0 && s.samplerId >= 0) rate = domain.bySampler.get(s.samplerId) ?? 0;
    if (rate <= 0) rate = domain.defaultRate;
    ctx.samplingRate = rate > 0 ? rate : 1;
    ctx.systemInitMs = domain.systemInitMs;
    const flow = buildFlow(b, s, ctx, env.view);
    if (flow === null) env.counters.recordsSkipped++;
    else sink.records.push(flow);
  }
}

/** Record a data set whose template is unknown (and keep it aside when sharing). */
export function missingTemplate(
  env: DecodeEnv,
  protocol: StoredTemplate['protocol'],
  domain: number,
  templateId: number,
  b: Uint8Array,
  start: number,
  end: number,
  sink: Sink,
): void {
  rejectSet(env, sink, 'template-missing');
  sink.missing.push({ protocol, observationDomain: domain, templateId });
  if (env.sharing) {
    sink.deferred.push({
      protocol,
      observationDomain: domain,
      templateId,
      body: b.slice(start, end),
      exportMs: env.ctx.exportMs,
      sysUptimeMs: env.ctx.sysUptimeMs,
    });
  }
}
