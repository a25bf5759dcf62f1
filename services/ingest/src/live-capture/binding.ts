import { createRequire } from 'node:module';
import { LiveCaptureError } from './errors.js';

/** The part of the `cap` libpcap binding used here (it ships no type definitions). */
export interface CapHandle {
  /** Opens `device` with a BPF `filter`; returns the link type name. */
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
  removeAllListeners(event?: string): this;
}

export interface CapDevice {
  readonly name: string;
  readonly description?: string;
  readonly addresses: readonly { readonly addr?: string }[];
  readonly flags?: string;
}

interface CapModule {
  Cap: (new () => CapHandle) & { deviceList(): CapDevice[] };
}

let loaded: CapModule | null = null;

/**
 * Loads `cap` lazily: it is a native optional dependency (libpcap headers and a compiler at
 * install time), so a machine without it can still run everything but live capture.
 */
export function loadCap(): CapModule {
  if (loaded !== null) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = require('cap') as CapModule;
    return loaded;
  } catch (cause) {
    throw new LiveCaptureError(
      'LIVE_CAPTURE_UNAVAILABLE',
      'live capture needs the native "cap" package (install libpcap-dev, python3 and a C++ toolchain, then reinstall)',
      { cause },
    );
  }
}

/** Whether the binding loads on this machine, without throwing. */
export function liveCaptureAvailable(): boolean {
  try {
    loadCap();
    return true;
  } catch {
    return false;
  }
}

/** Link type numbers (LINKTYPE_*) for the names `cap` returns from open(). */
export const CAP_LINK_TYPES: Readonly<Record<string, number>> = Object.freeze({
  NULL: 0,
  ETHERNET: 1,
  LINKTYPE_LINUX_SLL: 113,
  RAW: 101,
});
