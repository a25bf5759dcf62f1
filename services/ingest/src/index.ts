export {
  FlowExportListeners,
  BoundedQueue,
  IpfixTcpFramer,
  RejectionLog,
  listenerMetrics,
  createTemplateEndpoint,
  groupTemplates,
} from './listeners/index.js';
export type {
  ListenerMeter,
  ListenerMetrics,
  WarnLogger,
  TemplateEndpointOptions,
  DropStage,
  FlowExportListenersOptions,
  ListenerAddresses,
  ListenerStats,
} from './listeners/index.js';
export {
  LiveCaptureError,
  compileLiveCaptureOptions,
  LiveCapture,
  liveCaptureAvailable,
  loadCap,
} from './live-capture/index.js';
export type {
  LiveCaptureErrorCode,
  LiveCaptureOptions,
  CompiledLiveCaptureOptions,
  LiveCaptureState,
  LiveCaptureStats,
  CapDevice,
} from './live-capture/index.js';
export { RedisTemplateStore } from './templates/redis-template-store.js';
export type { RedisTemplateStoreOptions } from './templates/redis-template-store.js';
