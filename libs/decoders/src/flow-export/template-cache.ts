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

/** Templates of one (exporter, protocol, observation domain), oldest first. */
type DomainTemplates = Map<number, CompiledTemplate>;

export interface ExporterState {
  /** Templates per (protocol, observation domain): each bounded on its own. */
  readonly templates: Map<number, DomainTemplates>;
  readonly domains: Map<number, DomainState>;
  /** Templates held over all of this exporter's domains. */
  templateCount: number;
}

const MAX_SAMPLERS_PER_DOMAIN = 256;

function domainKey(protocol: StoredTemplate['protocol'], domain: number): number {
  // A u32 domain below 2^33: exact in a double.
  return (protocol === 'netflow9' ? 4294967296 : 0) + domain;
}

export interface TemplateCacheLimits {
  /** Templates per (exporter, protocol, observation domain). */
  readonly maxTemplatesPerDomain: number;
  /** Observation domains (with templates or options state) per exporter. */
  readonly maxDomainsPerExporter: number;
  /** Exporters tracked at once; the least recently heard is evicted past it. */
  readonly maxExporters: number;
  /** Templates over all exporters; past it the largest domain of the largest exporter loses its oldest. */
  readonly maxTemplates: number;
}

/**
 * Templates per exporter and observation domain, each (exporter, domain) bounded on its own
 * so one exporter or domain sending many template ids evicts only its own; exporters are
 * bounded by least recent use, and the total by taking from whoever holds the most. Map
 * insertion order is the eviction order; a refreshed template moves to the back, so what
 * an exporter still sends survives and what it stopped sending goes first.
 */
export class TemplateCache {
  private readonly exporters = new Map<string, ExporterState>();
  private total = 0;
  templateEvictions = 0;
  exporterEvictions = 0;

  constructor(private readonly limits: TemplateCacheLimits) {}

  exporter(exporter: string): ExporterState {
    let state = this.exporters.get(exporter);
    if (state !== undefined) {
      // Least recently heard goes first: move to the back.
      this.exporters.delete(exporter);
      this.exporters.set(exporter, state);
      return state;
    }
    if (this.exporters.size >= this.limits.maxExporters) {
      const oldest = this.exporters.entries().next();
      if (oldest.done !== true) {
        this.exporters.delete(oldest.value[0]);
        this.total -= oldest.value[1].templateCount;
        this.exporterEvictions++;
      }
    }
    state = { templates: new Map(), domains: new Map(), templateCount: 0 };
    this.exporters.set(exporter, state);
    return state;
  }

  domain(state: ExporterState, domain: number): DomainState {
    let d = state.domains.get(domain);
    if (d === undefined) {
      if (state.domains.size >= this.limits.maxDomainsPerExporter) {
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
    return state.templates.get(domainKey(protocol, domain))?.get(id);
  }

  put(state: ExporterState, tpl: CompiledTemplate): void {
    const s = tpl.stored;
    const key = domainKey(s.protocol, s.observationDomain);
    let templates = state.templates.get(key);
    if (templates === undefined) {
      if (state.templates.size >= this.limits.maxDomainsPerExporter) {
        const oldest = state.templates.entries().next();
        if (oldest.done !== true) this.dropDomain(state, oldest.value[0], oldest.value[1]);
      }
      templates = new Map();
      state.templates.set(key, templates);
    }
    if (templates.delete(s.templateId)) {
      templates.set(s.templateId, tpl);
      return;
    }
    if (templates.size >= this.limits.maxTemplatesPerDomain) this.evictOldest(state, templates);
    else if (this.total >= this.limits.maxTemplates) this.evictFromLargest();
    templates.set(s.templateId, tpl);
    state.templateCount++;
    this.total++;
  }

  private evictOldest(state: ExporterState, templates: DomainTemplates): void {
    const oldest = templates.keys().next();
    if (oldest.done === true) return;
    templates.delete(oldest.value);
    state.templateCount--;
    this.total--;
    this.templateEvictions++;
  }

  private dropDomain(state: ExporterState, key: number, templates: DomainTemplates): void {
    state.templates.delete(key);
    state.templateCount -= templates.size;
    this.total -= templates.size;
    this.templateEvictions += templates.size;
  }

  /** At the total bound: the oldest template of the largest domain of the largest exporter. */
  private evictFromLargest(): void {
    let largest: ExporterState | null = null;
    for (const state of this.exporters.values()) {
      if (largest === null || state.templateCount > largest.templateCount) largest = state;
    }
    if (largest === null) return;
    let domain: DomainTemplates | null = null;
    for (const templates of largest.templates.values()) {
      if (domain === null || templates.size > domain.size) domain = templates;
    }
    if (domain !== null) this.evictOldest(largest, domain);
  }

  /** Withdraw one template, or every template of the domain when `id` is null. */
  remove(
    state: ExporterState,
    protocol: StoredTemplate['protocol'],
    domain: number,
    id: number | null,
  ): number {
    const key = domainKey(protocol, domain);
    const templates = state.templates.get(key);
    if (templates === undefined) return 0;
    let removed = 0;
    if (id !== null) removed = templates.delete(id) ? 1 : 0;
    else {
      removed = templates.size;
      templates.clear();
    }
    if (templates.size === 0) state.templates.delete(key);
    state.templateCount -= removed;
    this.total -= removed;
    return removed;
  }

  templateCount(): number {
    return this.total;
  }

  exporterCount(): number {
    return this.exporters.size;
  }

  /** Largest template count of any one (exporter, domain) (the bound the fuzz tests check). */
  maxTemplatesHeld(): number {
    let max = 0;
    for (const state of this.exporters.values()) {
      for (const templates of state.templates.values()) max = Math.max(max, templates.size);
    }
    return max;
  }

  summaries(): TemplateSummary[] {
    const out: TemplateSummary[] = [];
    for (const state of this.exporters.values()) {
      for (const templates of state.templates.values()) {
        for (const tpl of templates.values()) out.push(summaryOf(tpl));
      }
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
