import type { FlowTableOptions } from '@opaqueflow/decoders';
import { compileFlowTableOptions } from '@opaqueflow/decoders';
import { LiveCaptureError } from './errors.js';

export interface LiveCaptureOptions {
  /** Interface name, e.g. "eth0", "lo", "any". */
  device: string;
  /** BPF filter in pcap-filter(7) syntax; empty captures everything. */
  filter?: string;
  /** Bytes kept of each frame; longer frames are cut (counters still use IP lengths). */
  snapLength?: number;
  /**
   * Promiscuous mode. The `cap` binding always opens interfaces promiscuously, so only
   * `true` can be honoured; `false` is refused rather than silently ignored.
   */
  promiscuous?: boolean;
  /** libpcap's kernel ring buffer in bytes. */
  bufferBytes?: number;
  /** Wall-clock interval at which idle and active timeouts are checked on a quiet link. */
  tickMs?: number;
  flowTable?: FlowTableOptions;
}

export type CompiledLiveCaptureOptions = Readonly<
  Required<Omit<LiveCaptureOptions, 'flowTable'>> & { flowTable: FlowTableOptions }
>;

/** libpcap's own default snap length. */
const MAX_SNAP_LENGTH = 262144;

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new LiveCaptureError(
      'LIVE_CAPTURE_OPTION_INVALID',
      `live capture option ${name} must be an integer from 1 to ${max}, got ${value}`,
    );
  }
  return value;
}

/** Validated once, frozen; a bad value names the option. */
export function compileLiveCaptureOptions(options: LiveCaptureOptions): CompiledLiveCaptureOptions {
  if (typeof options.device !== 'string' || options.device.length === 0) {
    throw new LiveCaptureError('LIVE_CAPTURE_OPTION_INVALID', 'live capture needs a device name');
  }
  const promiscuous = options.promiscuous ?? true;
  if (!promiscuous) {
    throw new LiveCaptureError(
      'LIVE_CAPTURE_OPTION_INVALID',
      'promiscuous: false is not supported by the cap libpcap binding (it always opens promiscuously)',
    );
  }
  const flowTable = { ...(options.flowTable ?? {}) };
  // Fails here, at start-up, rather than on the first packet.
  compileFlowTableOptions(flowTable);
  return Object.freeze({
    device: options.device,
    filter: options.filter ?? '',
    snapLength: positiveInt('snapLength', options.snapLength ?? 65535, MAX_SNAP_LENGTH),
    promiscuous,
    bufferBytes: positiveInt('bufferBytes', options.bufferBytes ?? 16 * 1024 * 1024, 2 ** 30),
    tickMs: positiveInt('tickMs', options.tickMs ?? 1000, 3_600_000),
    flowTable: Object.freeze(flowTable),
  });
}
