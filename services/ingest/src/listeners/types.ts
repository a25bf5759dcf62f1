import type { FlowRecord } from '@opaqueflow/flow-model';
import type {
  FlowExportDecoderOptions,
  FlowExportStats,
  TemplateStore,
} from '@opaqueflow/decoders';
import type { ListenerMeter } from './listener-metrics.js';
import type { WarnLogger } from './rejection-log.js';

/** Where drops happen between the socket and a FlowRecord. */
export type DropStage = 'socket' | 'decode' | 'template-missing' | 'queue-full';

export interface FlowExportListenersOptions {
  /** Address to bind; 127.0.0.1 in tests, 0.0.0.0 (or ::) in a deployment. */
  readonly host?: string;
  /** UDP NetFlow v5/v9 port (default 2055); null disables, 0 picks a free one. */
  readonly netflowPort?: number | null;
  /** UDP IPFIX port (default 4739). */
  readonly ipfixUdpPort?: number | null;
  /** TCP IPFIX port (default 4739). */
  readonly ipfixTcpPort?: number | null;
  /** UDP sFlow v5 port (default 6343). */
  readonly sflowPort?: number | null;
  /** Packets waiting for the decoder at most; beyond it they are dropped as queue-full. */
  readonly queueCapacity?: number;
  /**
   * SO_RCVBUF asked for on the UDP sockets (default 8 MiB): headroom for exporter bursts.
   * The kernel may grant less (net.core.rmem_max); stats() reports what it granted.
   */
  readonly udpReceiveBufferBytes?: number;
  /** How often open sFlow flows are checked against their timeouts. */
  readonly sflowFlushIntervalMs?: number;
  /**
   * IPFIX TCP connections held at once (default 256); past it the connection idle longest is
   * closed for the newcomer (socket drop tcp-connection-limit).
   */
  readonly maxTcpConnections?: number;
  /** IPFIX TCP connections from one source address (default 16); more are refused (tcp-source-limit). */
  readonly maxTcpConnectionsPerSource?: number;
  /** An IPFIX TCP connection silent this long is closed (default 10 min; tcp-idle-timeout). */
  readonly tcpIdleTimeoutMs?: number;
  /** An IPFIX message begun on TCP must be complete within this (default 30 s; tcp-message-timeout). */
  readonly tcpMessageTimeoutMs?: number;
  readonly decoder?: FlowExportDecoderOptions;
  readonly templateStore?: TemplateStore;
  readonly logger?: WarnLogger;
  /** OpenTelemetry meter for opaqueflow_ingest_flow_export_* counters. */
  readonly meter?: ListenerMeter;
  /** Receives every decoded flow; a returned promise is awaited (back-pressure). */
  readonly onRecords: (records: FlowRecord[]) => void | Promise<void>;
}

export interface ListenerAddresses {
  readonly netflow: number | null;
  readonly ipfixUdp: number | null;
  readonly ipfixTcp: number | null;
  readonly sflow: number | null;
}

export interface ListenerStats {
  readonly packetsReceived: number;
  readonly records: number;
  readonly queued: number;
  readonly drops: Readonly<Record<DropStage, number>>;
  /**
   * Drops by reason over all stages: the decoder's reject reasons, queue-full, and the
   * socket stage's socket-error, tcp-connection-error, tcp-framing-lost, tcp-idle-timeout,
   * tcp-message-timeout, tcp-source-limit, tcp-connection-limit.
   */
  readonly dropReasons: Readonly<Record<string, number>>;
  /** IPFIX TCP connections open now. */
  readonly tcpConnections: number;
  /** SO_RCVBUF of the UDP sockets: asked for, and the smallest the kernel reports (Linux reports twice what it grants); null before any socket is bound. */
  readonly receiveBuffer: {
    readonly requestedBytes: number;
    readonly effectiveBytes: number | null;
  };
  /**
   * The kernel's UDP receive drops (Linux; null elsewhere). udpRcvbufErrors and udpInErrors
   * are host-wide (IPv4 + IPv6, /proc/net/snmp and snmp6), counted since start(): other
   * processes' sockets count too. socketDrops is this listener's own UDP sockets (the
   * drops column of /proc/net/udp and udp6): datagrams lost to a full receive buffer.
   */
  readonly kernel: {
    readonly udpRcvbufErrors: number | null;
    readonly udpInErrors: number | null;
    readonly socketDrops: number | null;
  };
  readonly decoder: FlowExportStats;
}
