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
} from './types.js';
export { REJECT_REASONS } from './types.js';
export { FlowExportDecoder, detectProtocol } from './decoder.js';
export { MemoryTemplateStore } from './memory-template-store.js';
export { flowsFromIpfixFile } from './ipfix-file.js';
export type { IpfixFileResult } from './ipfix-file.js';
export { yafEntropyBits } from './flow-builder.js';
