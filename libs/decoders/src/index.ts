export type { CaptureRejectReason, CaptureIgnoreReason, FlowEvictionReason } from './errors.js';
export {
  CAPTURE_REJECT_REASONS,
  CAPTURE_IGNORE_REASONS,
  FLOW_EVICTION_REASONS,
  DecoderError,
} from './errors.js';
export type { CapturedPacket, CaptureFormat, CaptureStats, FrameSink } from './capture/types.js';
export { LinkType, newCaptureStats, totalRejected } from './capture/types.js';
export { CaptureReader, readCapture } from './capture/reader.js';
export { isPcapMagic } from './capture/pcap.js';
export { isPcapngMagic } from './capture/pcapng.js';
export type { DecodedPacket } from './capture/packet.js';
export { decodePacket, newDecodedPacket, payloadOf } from './capture/packet.js';
export { formatIpv4, formatIpv6 } from './capture/address.js';
export type { FlowTableOptions, CompiledFlowTableOptions } from './assembly/options.js';
export { compileFlowTableOptions, DEFAULT_FLOW_TABLE_OPTIONS } from './assembly/options.js';
export { FlowTable } from './assembly/flow-table.js';
export type { FlowEnding, FlowSink } from './assembly/flow-table.js';
export type { CaptureFlowOptions } from './assembly/capture-flows.js';
export {
  PacketFlowAssembler,
  CaptureFlowDecoder,
  flowsFromCapture,
} from './assembly/capture-flows.js';

// Flow exports (NetFlow v5/v9, IPFIX, sFlow): re-exported from their own module's index.
export type {
  ExportProtocol,
  RejectReason,
  TemplateField,
  StoredTemplate,
  TemplateStore,
  FlowExportDecoderOptions,
  MissingTemplate,
  DecodeResult,
  FlowExportStats,
  TemplateSummary,
  IpfixFileResult,
} from './flow-export/index.js';
export {
  REJECT_REASONS,
  FlowExportDecoder,
  detectProtocol,
  MemoryTemplateStore,
  flowsFromIpfixFile,
  yafEntropyBits,
} from './flow-export/index.js';
