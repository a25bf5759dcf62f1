import type { FlowRecord } from '@opaqueflow/flow-model';
import type { FlowContext } from './flow-builder.js';
import type { PacketView } from './packet-section.js';
import type { RecordScratch } from './record-reader.js';
import type { TemplateCache } from './template-cache.js';
import type { MissingTemplate, RejectReason, StoredTemplate } from './types.js';

/** Counters the protocol decoders bump; the decoder class reports them as stats. */
export interface Counters {
  recordsSkipped: number;
  templatesLearned: number;
  templatesWithdrawn: number;
  readonly rejects: Record<RejectReason, number>;
}

/** A template change to forward to the shared TemplateStore. */
export type StoreChange =
  | { readonly kind: 'put'; readonly template: StoredTemplate }
  | {
      readonly kind: 'remove';
      readonly protocol: StoredTemplate['protocol'];
      readonly exporter: string;
      readonly observationDomain: number;
      readonly templateId: number | null;
    };

/** A data set kept aside because its template was unknown, to retry after a store lookup. */
export interface DeferredSet {
  readonly protocol: StoredTemplate['protocol'];
  readonly observationDomain: number;
  readonly templateId: number;
  readonly body: Uint8Array;
  readonly exportMs: number;
  readonly sysUptimeMs: number;
}

/** Shared working state of one decoder instance; nothing here is per packet but `sink`. */
export interface DecodeEnv {
  readonly cache: TemplateCache;
  readonly scratch: RecordScratch;
  readonly view: PacketView;
  readonly ctx: FlowContext;
  readonly counters: Counters;
  readonly maxPayloadBytes: number;
  /** Operator's 1-in-N for this exporter; 0 when none is configured. */
  samplingOverride(exporter: string): number;
  /** Whether template changes and missing sets are collected for a shared store. */
  readonly sharing: boolean;
  readonly storeChanges: StoreChange[];
  readonly nowMs: () => number;
}

/** What one packet produced. */
export interface Sink {
  readonly records: FlowRecord[];
  readonly setRejects: RejectReason[];
  readonly missing: MissingTemplate[];
  readonly deferred: DeferredSet[];
}

export function newSink(): Sink {
  return { records: [], setRejects: [], missing: [], deferred: [] };
}

export function rejectSet(env: DecodeEnv, sink: Sink, reason: RejectReason): void {
  env.counters.rejects[reason]++;
  sink.setRejects.push(reason);
}
