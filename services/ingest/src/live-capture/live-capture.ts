import { performance } from 'node:perf_hooks';
import type { FlowRecord } from '@opaqueflow/flow-model';
import type { CaptureStats } from '@opaqueflow/decoders';
import { PacketFlowAssembler } from '@opaqueflow/decoders';
import type { CapHandle } from './binding.js';
import { CAP_LINK_TYPES, loadCap } from './binding.js';
import { LiveCaptureError } from './errors.js';
import type { CompiledLiveCaptureOptions, LiveCaptureOptions } from './options.js';
import { compileLiveCaptureOptions } from './options.js';

export type LiveCaptureState = 'idle' | 'running' | 'stopped';

export interface LiveCaptureStats {
  /** Frames libpcap handed over. */
  readonly framesCaptured: number;
  /** Frames cut by the snap length. */
  readonly framesTruncated: number;
  readonly linkType: number | null;
  readonly decode: CaptureStats;
}

/**
 * cap 0.2.1 crashes the process (SIGSEGV) when a handle is garbage collected: its poll
 * handle lives inside the native object and is stopped but never closed, so libuv keeps a
 * dangling pointer to freed memory (and a handle whose open() failed stops a poll it never
 * started). Every handle is therefore kept reachable for the life of the process; there is
 * one per capture start, a few hundred bytes each.
 */
const retainedHandles: CapHandle[] = [];

/** Wall clock with sub-millisecond resolution (cap does not pass libpcap's timestamps). */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Captures from a network interface through libpcap (the `cap` binding) and feeds the
 * streaming flow table; finished flows come out through `onFlow`. Lifecycle:
 * idle → running (start) → stopped (stop flushes the flows still open).
 */
export class LiveCapture {
  readonly options: CompiledLiveCaptureOptions;
  private readonly assembler: PacketFlowAssembler;
  private cap: CapHandle | null = null;
  private timer: NodeJS.Timeout | null = null;
  private linkType: number | null = null;
  private framesCaptured = 0;
  private framesTruncated = 0;
  private currentState: LiveCaptureState = 'idle';

  constructor(
    options: LiveCaptureOptions,
    private readonly onFlow: (flow: FlowRecord) => void,
  ) {
    this.options = compileLiveCaptureOptions(options);
    this.assembler = new PacketFlowAssembler((f) => this.onFlow(f), this.options.flowTable);
  }

  get state(): LiveCaptureState {
    return this.currentState;
  }

  get stats(): LiveCaptureStats {
    return {
      framesCaptured: this.framesCaptured,
      framesTruncated: this.framesTruncated,
      linkType: this.linkType,
      decode: this.assembler.stats,
    };
  }

  /** Opens the interface; throws a LiveCaptureError when libpcap refuses (permissions, bad filter). */
  start(): void {
    if (this.currentState !== 'idle') {
      throw new LiveCaptureError(
        'LIVE_CAPTURE_STATE',
        `cannot start a ${this.currentState} capture`,
      );
    }
    const { Cap } = loadCap();
    const known = Cap.deviceList().map((d) => d.name);
    if (this.options.device !== 'any' && !known.includes(this.options.device)) {
      throw new LiveCaptureError(
        'LIVE_CAPTURE_OPEN_FAILED',
        `no capture device ${this.options.device} (have ${known.join(', ')})`,
      );
    }
    const cap = new Cap();
    retainedHandles.push(cap);
    // cap copies each frame into this buffer and cuts it at its length: the snap length.
    const buffer = Buffer.alloc(this.options.snapLength);
    let linkName: string;
    try {
      linkName = cap.open(
        this.options.device,
        this.options.filter,
        this.options.bufferBytes,
        buffer,
      );
    } catch (cause) {
      throw new LiveCaptureError(
        'LIVE_CAPTURE_OPEN_FAILED',
        `cannot capture on ${this.options.device}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    const linkType = CAP_LINK_TYPES[linkName];
    if (linkType === undefined) {
      cap.close();
      throw new LiveCaptureError(
        'LIVE_CAPTURE_LINK_TYPE_UNSUPPORTED',
        `link type ${linkName} of ${this.options.device} is not decoded`,
      );
    }
    this.cap = cap;
    this.linkType = linkType;
    cap.on('packet', (nbytes, truncated) => {
      this.framesCaptured++;
      if (truncated) this.framesTruncated++;
      this.assembler.addFrame(linkType, nowMs(), buffer, 0, nbytes);
    });
    this.timer = setInterval(() => this.assembler.advanceTo(nowMs()), this.options.tickMs);
    this.timer.unref();
    this.currentState = 'running';
  }

  /** Closes the interface and ends every open flow (emitted before this returns). */
  stop(): void {
    if (this.currentState !== 'running') {
      this.currentState = 'stopped';
      return;
    }
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const cap = this.cap;
    this.cap = null;
    if (cap !== null) {
      cap.removeAllListeners('packet');
      cap.close();
    }
    this.currentState = 'stopped';
    this.assembler.flush();
  }
}
