import type { Verdict } from '@opaqueflow/flow-model';
import type { Rng } from '../rng.js';
import type { Transcript } from '../transcript.js';

export interface FlowContext {
  readonly rng: Rng;
  /** Index of the flow within its class, from 0. */
  readonly index: number;
  /** The server port this flow will carry in the capture. */
  readonly port: number;
}

export interface FlowOutcome {
  readonly transcript: Transcript;
  /** What is particular to this flow (SNI, version, sizes…), appended to the description. */
  readonly detail: string;
  /** NSS key log lines that let tshark decrypt the flow, where the generator knows the secrets. */
  readonly keylog?: string;
}

/** One class of traffic in the corpus: how to make a flow of it and what it should be called. */
export interface FlowClass {
  /** Finer name than the label, e.g. "tls13-sni-alpn"; also the pcap file name. */
  readonly name: string;
  /** The verdict the detector should give. */
  readonly label: Verdict;
  readonly transport: 'tcp' | 'udp';
  /** Server ports, used in turn by flow index. */
  readonly ports: readonly number[];
  /** TCP MSS the initiator advertises when smaller than the link allows (splits handshakes). */
  readonly clientMss?: number;
  /** Whether every third flow is carried over IPv6. */
  readonly ipv6: boolean;
  readonly description: string;
  /** Whether a seed reproduces this class's bytes exactly (no library-chosen randomness or dates). */
  readonly reproducible: boolean;
  make(ctx: FlowContext): Promise<FlowOutcome>;
}
