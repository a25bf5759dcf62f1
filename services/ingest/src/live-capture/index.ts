export type { LiveCaptureErrorCode } from './errors.js';
export { LiveCaptureError } from './errors.js';
export type { LiveCaptureOptions, CompiledLiveCaptureOptions } from './options.js';
export { compileLiveCaptureOptions } from './options.js';
export type { LiveCaptureState, LiveCaptureStats } from './live-capture.js';
export { LiveCapture } from './live-capture.js';
export type { CapDevice } from './binding.js';
export { liveCaptureAvailable, loadCap } from './binding.js';
