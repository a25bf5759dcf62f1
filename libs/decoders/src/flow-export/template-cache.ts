import type { CompiledTemplate } from './template.js';
import type { StoredTemplate, TemplateSummary } from './types.js';

/** What the decoder remembers about one observation domain besides its templates. */
export interface DomainState {
  /** Rate announced without a sampler id; 0 when none was announced. */
  defaultRate: number;
  /** Rates announced per samplerId / selectorId. */
  readonly bySampler: Map<number, number>;
  /** systemInitTimeMilliseconds from an options record; -1 when unknown. */
  systemInitMs: number;
}

export interface ExporterState {
  readonly templates: Map<number, CompiledTemplate>;
  readonly domains: Map<number, DomainState>;
}

const MAX_DOMAINS_PER_EXPORTER = 1024;
const MAX_SAMPLERS_PER_DOMAIN = 256;

function templateKey(protocol: StoredTemplate['protocol'], domain: number, id: number): number {
  // Room for a u32 domain and a u16 template id below 2^49: exact in a double.
  return (protocol === 'netflow9' ? 281474976710656 : 0) + domain * 65536 + id;
}

/**
 * Templates per exporter, bounded twice: templates per exporter and exporters overall.
 * Map insertion order is the eviction order; a refreshed template moves to the back, so
 * what an exporter still sends survives and what it stopped sending goes first.
 */
export class TemplateCache {
  private readonly exporters = new Map<string, ExporterState>();
  templateEvictions = 0;
  exporterEvictions = 0;

  constructor(
    private readonly maxTemplatesPerExporter: number,
    private readonly maxExporters: number,
  ) {}

  exporter(exporter: string): ExporterState {
    let state = this.exporters.get(exporter);
    if (state === undefined) {
      if (this.exporters.size >= this.maxExporters) {
        const oldest = this.exporters.keys().next();
        if (oldest.done !== true) {
          this.exporters.delete(oldest.value);
          this.exporterEvictions++;
        }
      }
      state = { templates: new Map(), domains: new Map() };
      this.exporters.set(exporter, state);
    }
    return state;
  }

  domain(state: ExporterState, domain: number): DomainState {
    let d = state.domains.get(domain);
    if (d === undefined) {
      if (state.domains.size >= MAX_DOMAINS_PER_EXPORTER) {
        const oldest = state.domains.keys().next();
        if (oldest.done !== true) state.domains.delete(oldest.value);
      }
      d = { defaultRate: 0, bySampler: new Map(), systemInitMs: -1 };
      state.domains.set(domain, d);
    }
    return d;
  }

  setSamplerRate(d: DomainState, samplerId: number, rate: number): void {
    if (!d.bySampler.has(samplerId) && d.bySampler.size >= MAX_SAMPLERS_PER_DOMAIN) {
      const oldest = d.bySampler.keys().next();
      if (oldest.done !== true) d.bySampler.delete(oldest.value);
    }
    d.bySampler.set(samplerId, rate);
  }

  get(
    state: ExporterState,
    protocol: StoredTemplate['protocol'],
    domain: number,
    id: number,
  ): CompiledTemplate | undefined {
    return state.templates.get(templateKey(protocol, domain, id));
  }

  put(state: ExporterState, tpl: CompiledTemplate): void {
    const s = tpl.stored;
    const key = templateKey(s.protocol, s.observationDomain, s.templateId);
    if (!state.templates.delete(key) && state.templates.size >= this.maxTemplatesPerExporter) {
      const oldest = state.templates.keys().next();
      if (oldest.done !== true) {
        state.templates.delete(oldest.value);
        this.templateEvictions++;
      }
    }
    state.templates.set(key, tpl);
  }

  /** Withdraw one template, or every template of the domain when `id` is null. */
  remove(
    state: ExporterState,
    protocol: StoredTemplate['protocol'],
    domain: number,
    id: number | null,
  ): number {
    if (id !== null) return state.templates.delete(templateKey(protocol, domain, id)) ? 1 : 0;
    let removed = 0;
    for (const [key, tpl] of state.templates) {
      if (tpl.stored.protocol === protocol && tpl.stored.observationDomain === domain) {
        state.templates.delete(key);
        removed++;
      }
    }
    return removed;
  }

  templateCount(): number {
    let n = 0;
    for (const state of this.exporters.values()) n += state.templates.size;
    return n;
  }

  exporterCount(): number {
    return this.exporters.size;
  }

  /** Largest template count of any one exporter (the bound the fuzz tests check). */
  maxTemplatesHeld(): number {
    let max = 0;
    for (const state of this.exporters.values()) max = Math.max(max, state.templates.size);
    return max;
  }

  summaries(): TemplateSummary[] {
    const out: TemplateSummary[] = [];
    for (const state of this.exporters.values()) {
      for (const tpl of state.templates.values()) out.push(summaryOf(tpl));
    }
    return out;
  }
}

export function summaryOf(tpl: CompiledTemplate): TemplateSummary {
  const s = tpl.stored;
  return {
    protocol: s.protocol,
    exporter: s.exporter,
    observationDomain: s.observationDomain,
    templateId: s.templateId,
    options: s.options,
    scopeFieldCount: s.scopeFieldCount,
    fieldCount: s.fields.length,
    recordLength: tpl.fixedLength >= 0 ? tpl.fixedLength : null,
    fields: s.fields,
    learnedMs: s.learnedMs,
  };
}
