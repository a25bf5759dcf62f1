import type { FlowRecord } from '@opaqueflow/flow-model';

/** Flow-export protocols this decoder understands. */
export type ExportProtocol = 'netflow5' | 'netflow9' | 'ipfix' | 'sflow';

/** Why a packet (or a set inside it) was not decoded. Every drop is counted under one. */
export type RejectReason =
  | 'truncated-header'
  | 'unknown-version'
  | 'bad-message-length'
  | 'bad-record-count'
  | 'bad-set-length'
  | 'bad-template'
  | 'template-missing'
  | 'truncated-record'
  | 'exporter-not-allowed'
  | 'bad-sample'
  | 'unsupported-address-type'
  | 'internal-error';

export const REJECT_REASONS: readonly RejectReason[] = [
  'truncated-header',
  'unknown-version',
  'bad-message-length',
  'bad-record-count',
  'bad-set-length',
  'bad-template',
  'template-missing',
  'truncated-record',
  'exporter-not-allowed',
  'bad-sample',
  'unsupported-address-type',
  'internal-error',
];

/** One field specifier of a template, as it travels on the wire and in a TemplateStore. */
export interface TemplateField {
  readonly id: number;
  /** 65535: variable length (IPFIX only). */
  readonly length: number;
  /** Private enterprise number; 0 for IANA elements. */
  readonly enterprise: number;
}

/** A template or options template as learned from an exporter: plain data, JSON-safe. */
export interface StoredTemplate {
  readonly protocol: 'netflow9' | 'ipfix';
  readonly exporter: string;
  readonly observationDomain: number;
  readonly templateId: number;
  /** Scope fields come first in `fields`; 0 for a plain (data) template. */
  readonly scopeFieldCount: number;
  readonly options: boolean;
  readonly fields: readonly TemplateField[];
  readonly learnedMs: number;
}

/**
 * Where templates are shared between decoder instances (replicas). The in-memory store
 * serves one process; services supply a Redis one so a new replica decodes at once.
 */
export interface TemplateStore {
  get(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
    templateId: number,
  ): Promise<StoredTemplate | undefined>;
  put(template: StoredTemplate): Promise<void>;
  /** All templates of one exporter and observation domain. */
  list(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
  ): Promise<StoredTemplate[]>;
  /** Withdrawal; templateId null withdraws every template of the domain. */
  remove(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
    templateId: number | null,
  ): Promise<void>;
  /** Everything known, for an operator's view. */
  listAll(): Promise<StoredTemplate[]>;
}

export interface FlowExportDecoderOptions {
  /**
   * Templates kept per (exporter, protocol, observation domain); past it that domain's
   * oldest is evicted, so one exporter or domain cannot evict another's. Default 512.
   */
  readonly maxTemplatesPerDomain?: number;
  /** Observation domains per exporter; past it the oldest domain is dropped. Default 256. */
  readonly maxDomainsPerExporter?: number;
  /** Exporters tracked at once; the least recently heard is evicted past it. Default 4096. */
  readonly maxExporters?: number;
  /**
   * Templates over all exporters; past it the exporter holding the most loses the oldest of
   * its largest domain. Default 65,536.
   */
  readonly maxTemplates?: number;
  /** When set, packets from other exporter addresses are rejected. */
  readonly allowedExporters?: readonly string[];
  /** 1-in-N sampling per exporter address; wins over what the exporter announces. */
  readonly samplingOverrides?: Readonly<Record<string, number>>;
  /** Payload prefix bound per direction, bytes. */
  readonly maxPayloadBytes?: number;
  /** Shared template store; without one, templates live only in this decoder. */
  readonly templateStore?: TemplateStore;
  /** sFlow flow assembly: a flow idle this long is emitted. */
  readonly sflowIdleTimeoutMs?: number;
  /** sFlow flow assembly: a flow older than this is emitted even while active. */
  readonly sflowActiveTimeoutMs?: number;
  /** sFlow flow assembly: flows held at once; the oldest is emitted past it. */
  readonly sflowMaxFlows?: number;
}

/** A data set that could not be decoded because its template was unknown. */
export interface MissingTemplate {
  readonly protocol: StoredTemplate['protocol'];
  readonly observationDomain: number;
  readonly templateId: number;
}

export interface DecodeResult {
  readonly protocol: ExportProtocol | null;
  /** Null when the packet was decoded (possibly with some sets dropped, see `setRejects`). */
  readonly rejected: RejectReason | null;
  readonly records: FlowRecord[];
  /** Sets inside an accepted packet that were dropped, by reason. */
  readonly setRejects: RejectReason[];
  readonly missing: MissingTemplate[];
}

export interface FlowExportStats {
  readonly packets: number;
  readonly packetsRejected: number;
  readonly records: number;
  /** Data records that carried no flow (options data, records without addresses). */
  readonly recordsSkipped: number;
  readonly templatesLearned: number;
  readonly templatesWithdrawn: number;
  readonly templateEvictions: number;
  readonly exporterEvictions: number;
  readonly templatesFromStore: number;
  readonly storeErrors: number;
  readonly sflowFlowsOpen: number;
  /** Drops by reason: whole packets and single sets alike. */
  readonly rejects: Readonly<Record<RejectReason, number>>;
}

/** What the HTTP template endpoint shows about one template. */
export interface TemplateSummary {
  readonly protocol: StoredTemplate['protocol'];
  readonly exporter: string;
  readonly observationDomain: number;
  readonly templateId: number;
  readonly options: boolean;
  readonly scopeFieldCount: number;
  readonly fieldCount: number;
  readonly recordLength: number | null;
  readonly fields: readonly TemplateField[];
  readonly learnedMs: number;
}
