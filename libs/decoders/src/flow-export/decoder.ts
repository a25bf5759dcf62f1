import type { FlowRecord } from '@opaqueflow/flow-model';
import { newSink, type Counters, type DecodeEnv, type DeferredSet, type Sink } from './env.js';
import type { FlowContext } from './flow-builder.js';
import { IPFIX_VERSION, decodeIpfixMessage } from './ipfix.js';
import { decodeNetflow5 } from './netflow5.js';
import { decodeNetflow9 } from './netflow9.js';
import { newPacketView } from './packet-section.js';
import { RecordScratch } from './record-reader.js';
import { SflowAssembler } from './sflow-assembler.js';
import { decodeSflow } from './sflow.js';
import { TemplateCache } from './template-cache.js';
import { compileTemplate } from './template.js';
import { decodeDataSet } from './templated.js';
import {
  REJECT_REASONS,
  type DecodeResult,
  type ExportProtocol,
  type FlowExportDecoderOptions,
  type FlowExportStats,
  type RejectReason,
  type TemplateStore,
  type TemplateSummary,
} from './types.js';

const DEFAULTS = {
  maxTemplatesPerDomain: 512,
  maxDomainsPerExporter: 256,
  maxExporters: 4096,
  maxTemplates: 65_536,
  maxPayloadBytes: 1024,
  sflowIdleTimeoutMs: 15_000,
  sflowActiveTimeoutMs: 60_000,
  sflowMaxFlows: 100_000,
};

/** Template changes waiting for the store at most; older ones are dropped and counted. */
const MAX_PENDING_STORE_CHANGES = 1024;

/** A store lookup that found nothing is not repeated for this long (per template). */
const NEGATIVE_LOOKUP_MS = 1_000;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`flow-export decoder option ${name} must be a positive integer`);
  }
  return value;
}

/** Which flow-export protocol a datagram speaks, from its first bytes; null if none. */
export function detectProtocol(b: Uint8Array): ExportProtocol | null {
  if (b.length < 4) return null;
  const first = (b[0]! << 8) | b[1]!;
  if (first === 5) return 'netflow5';
  if (first === 9) return 'netflow9';
  if (first === IPFIX_VERSION) return 'ipfix';
  if (first === 0 && ((b[2]! << 8) | b[3]!) === 5) return 'sflow';
  return null;
}

/**
 * NetFlow v5/v9, IPFIX and sFlow v5 into FlowRecords. Pure and synchronous on the hot
 * path: malformed input is counted by reason, never thrown. Options are validated once.
 */
export class FlowExportDecoder {
  private readonly cache: TemplateCache;
  private readonly assembler: SflowAssembler;
  private readonly env: DecodeEnv;
  private readonly counters: Counters;
  private readonly allowed: ReadonlySet<string> | null;
  private readonly overrides: ReadonlyMap<string, number>;
  private readonly store: TemplateStore | null;
  private readonly negativeLookups = new Map<string, number>();
  private packets = 0;
  private packetsRejected = 0;
  private records = 0;
  private templatesFromStore = 0;
  private storeErrors = 0;

  constructor(
    options: FlowExportDecoderOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.cache = new TemplateCache({
      maxTemplatesPerDomain: positiveInt(
        'maxTemplatesPerDomain',
        options.maxTemplatesPerDomain,
        DEFAULTS.maxTemplatesPerDomain,
      ),
      maxDomainsPerExporter: positiveInt(
        'maxDomainsPerExporter',
        options.maxDomainsPerExporter,
        DEFAULTS.maxDomainsPerExporter,
      ),
      maxExporters: positiveInt('maxExporters', options.maxExporters, DEFAULTS.maxExporters),
      maxTemplates: positiveInt('maxTemplates', options.maxTemplates, DEFAULTS.maxTemplates),
    });
    this.assembler = new SflowAssembler(
      positiveInt('sflowIdleTimeoutMs', options.sflowIdleTimeoutMs, DEFAULTS.sflowIdleTimeoutMs),
      positiveInt(
        'sflowActiveTimeoutMs',
        options.sflowActiveTimeoutMs,
        DEFAULTS.sflowActiveTimeoutMs,
      ),
      positiveInt('sflowMaxFlows', options.sflowMaxFlows, DEFAULTS.sflowMaxFlows),
    );
    this.allowed =
      options.allowedExporters === undefined ? null : new Set(options.allowedExporters);
    const overrides = new Map<string, number>();
    for (const [exporter, rate] of Object.entries(options.samplingOverrides ?? {})) {
      if (!(rate >= 1)) throw new RangeError(`sampling override for ${exporter} must be >= 1`);
      overrides.set(exporter, rate);
    }
    this.overrides = overrides;
    this.store = options.templateStore ?? null;
    const rejects = {} as Record<RejectReason, number>;
    for (const r of REJECT_REASONS) rejects[r] = 0;
    this.counters = { recordsSkipped: 0, templatesLearned: 0, templatesWithdrawn: 0, rejects };
    const ctx: FlowContext = {
      source: 'ipfix',
      exporter: '',
      observationDomain: null,
      samplingRate: 1,
      exportMs: 0,
      sysUptimeMs: -1,
      systemInitMs: -1,
      maxPayloadBytes: 0,
    };
    this.env = {
      cache: this.cache,
      scratch: new RecordScratch(),
      view: newPacketView(),
      ctx,
      counters: this.counters,
      maxPayloadBytes: positiveInt(
        'maxPayloadBytes',
        options.maxPayloadBytes,
        DEFAULTS.maxPayloadBytes,
      ),
      samplingOverride: (exporter) => this.overrides.get(exporter) ?? 0,
      sharing: this.store !== null,
      storeChanges: [],
      nowMs: clock,
    };
  }

  /** Decode one datagram (or one framed IPFIX message) received from `exporter`. */
  decode(packet: Uint8Array, exporter: string, receivedMs = this.clock()): DecodeResult {
    const sink = newSink();
    const { protocol, reason } = this.decodeCounted(packet, exporter, receivedMs, sink);
    this.records += sink.records.length;
    // With a store but only synchronous decode() calls, pending writes must not pile up.
    const pending = this.env.storeChanges;
    if (pending.length > MAX_PENDING_STORE_CHANGES) {
      this.storeErrors += pending.length - MAX_PENDING_STORE_CHANGES;
      pending.splice(0, pending.length - MAX_PENDING_STORE_CHANGES);
    }
    return {
      protocol,
      rejected: reason,
      records: sink.records,
      setRejects: sink.setRejects,
      missing: sink.missing,
    };
  }

  /** One packet into `sink`, counted; a rejection is counted by its reason. */
  private decodeCounted(
    packet: Uint8Array,
    exporter: string,
    receivedMs: number,
    sink: Sink,
  ): { protocol: ExportProtocol | null; reason: RejectReason | null } {
    this.packets++;
    let protocol: ExportProtocol | null = null;
    let reason: RejectReason | null;
    try {
      protocol = detectProtocol(packet);
      reason = this.decodeInto(packet, exporter, receivedMs, protocol, sink);
    } catch {
      // A decoder bug must cost one packet, not the listener; fuzzing keeps this at zero.
      reason = 'internal-error';
    }
    if (reason !== null) {
      this.packetsRejected++;
      this.counters.rejects[reason]++;
    }
    return { protocol, reason };
  }

  private decodeInto(
    b: Uint8Array,
    exporter: string,
    receivedMs: number,
    protocol: ExportProtocol | null,
    sink: Sink,
  ): RejectReason | null {
    if (b.length < 4) return 'truncated-header';
    if (this.allowed !== null && !this.allowed.has(exporter)) return 'exporter-not-allowed';
    switch (protocol) {
      case 'netflow5':
        return decodeNetflow5(this.env, exporter, b, sink);
      case 'netflow9':
        return decodeNetflow9(this.env, this.cache.exporter(exporter), exporter, b, sink);
      case 'ipfix': {
        const state = this.cache.exporter(exporter);
        const r = decodeIpfixMessage(this.env, state, exporter, b, 0, b.length, sink);
        return typeof r === 'number' ? null : r;
      }
      case 'sflow':
        return decodeSflow(this.env, this.assembler, exporter, b, receivedMs, sink);
      default:
        return 'unknown-version';
    }
  }

  /**
   * decode(), then share what it learned with the TemplateStore and, for data sets whose
   * template this instance has not seen, fetch the template another instance stored and
   * decode them at once. Without a store it is decode().
   */
  async decodeShared(
    packet: Uint8Array,
    exporter: string,
    receivedMs = this.clock(),
  ): Promise<DecodeResult> {
    const sink = newSink();
    const { protocol, reason } = this.decodeCounted(packet, exporter, receivedMs, sink);
    await this.pushStoreChanges();
    const stillMissing = [];
    const setRejects = [...sink.setRejects];
    for (const d of sink.deferred) {
      if (await this.recover(exporter, d, sink)) {
        this.counters.rejects['template-missing']--;
        const i = setRejects.indexOf('template-missing');
        if (i >= 0) setRejects.splice(i, 1);
      } else {
        stillMissing.push({
          protocol: d.protocol,
          observationDomain: d.observationDomain,
          templateId: d.templateId,
        });
      }
    }
    this.records += sink.records.length;
    return { protocol, rejected: reason, records: sink.records, setRejects, missing: stillMissing };
  }

  private async pushStoreChanges(): Promise<void> {
    const store = this.store;
    const changes = this.env.storeChanges;
    if (store === null || changes.length === 0) return;
    const batch = changes.splice(0, changes.length);
    for (const c of batch) {
      try {
        if (c.kind === 'put') await store.put(c.template);
        else await store.remove(c.protocol, c.exporter, c.observationDomain, c.templateId);
      } catch {
        this.storeErrors++;
      }
    }
  }

  private async recover(exporter: string, d: DeferredSet, sink: Sink): Promise<boolean> {
    const store = this.store;
    if (store === null) return false;
    const state = this.cache.exporter(exporter);
    let tpl = this.cache.get(state, d.protocol, d.observationDomain, d.templateId);
    if (tpl === undefined) {
      const key = `${d.protocol}|${exporter}|${d.observationDomain}|${d.templateId}`;
      const now = this.clock();
      const last = this.negativeLookups.get(key);
      if (last !== undefined && now - last < NEGATIVE_LOOKUP_MS) return false;
      let stored;
      try {
        stored = await store.get(d.protocol, exporter, d.observationDomain, d.templateId);
      } catch {
        this.storeErrors++;
        return false;
      }
      const compiled = stored === undefined ? null : compileTemplate(stored);
      if (compiled === null) {
        if (this.negativeLookups.size >= 10_000) this.negativeLookups.clear();
        this.negativeLookups.set(key, now);
        return false;
      }
      this.cache.put(state, compiled);
      this.templatesFromStore++;
      tpl = compiled;
    }
    const ctx = this.env.ctx;
    ctx.source = d.protocol;
    ctx.exporter = exporter;
    ctx.observationDomain = d.observationDomain;
    ctx.exportMs = d.exportMs;
    ctx.sysUptimeMs = d.sysUptimeMs;
    ctx.maxPayloadBytes = this.env.maxPayloadBytes;
    try {
      decodeDataSet(this.env, state, tpl, d.body, 0, d.body.length, sink);
    } catch {
      this.counters.rejects['internal-error']++;
    }
    return true;
  }

  /** sFlow flows idle or active past their timeouts; call on a timer. */
  flushExpired(nowMs = this.clock()): FlowRecord[] {
    const out: FlowRecord[] = [];
    this.assembler.expire(nowMs, out);
    this.records += out.length;
    return out;
  }

  /** Every open sFlow flow, e.g. at shutdown or the end of a replay. */
  flushAll(): FlowRecord[] {
    const out: FlowRecord[] = [];
    this.assembler.flushAll(out);
    this.records += out.length;
    return out;
  }

  templates(): TemplateSummary[] {
    return this.cache.summaries();
  }

  /** Largest number of templates held for any one (exporter, observation domain). */
  maxTemplatesHeld(): number {
    return this.cache.maxTemplatesHeld();
  }

  stats(): FlowExportStats {
    return {
      packets: this.packets,
      packetsRejected: this.packetsRejected,
      records: this.records,
      recordsSkipped: this.counters.recordsSkipped,
      templatesLearned: this.counters.templatesLearned,
      templatesWithdrawn: this.counters.templatesWithdrawn,
      templateEvictions: this.cache.templateEvictions,
      exporterEvictions: this.cache.exporterEvictions,
      templatesFromStore: this.templatesFromStore,
      storeErrors: this.storeErrors,
      sflowFlowsOpen: this.assembler.size,
      rejects: { ...this.counters.rejects },
    };
  }
}
