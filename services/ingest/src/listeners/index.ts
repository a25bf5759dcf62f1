export { FlowExportListeners, DEFAULT_RECEIVE_BUFFER_BYTES } from './flow-export-listeners.js';
export {
  parseProcNetUdp,
  parseSnmp6Udp,
  parseSnmpUdp,
  readKernelUdpCounters,
  readSocketDrops,
} from './kernel-udp-stats.js';
export type { KernelUdpCounters, UdpSocketRow } from './kernel-udp-stats.js';
export { BoundedQueue } from './bounded-queue.js';
export { IpfixTcpFramer } from './ipfix-tcp-framer.js';
export { RejectionLog } from './rejection-log.js';
export { listenerMetrics } from './listener-metrics.js';
export type { ListenerMeter, ListenerMetrics } from './listener-metrics.js';
export type { WarnLogger } from './rejection-log.js';
export { createTemplateEndpoint, groupTemplates } from './template-endpoint.js';
export type { TemplateEndpointOptions } from './template-endpoint.js';
export type {
  DropStage,
  FlowExportListenersOptions,
  ListenerAddresses,
  ListenerStats,
} from './types.js';
