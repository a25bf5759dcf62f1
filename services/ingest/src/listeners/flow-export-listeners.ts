import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { isIPv6 } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { FlowExportDecoder, type DecodeResult, type TemplateSummary } from '@opaqueflow/decoders';
import { BoundedQueue } from './bounded-queue.js';
import { listenerMetrics, type ListenerMetrics } from './listener-metrics.js';
import { RejectionLog } from './rejection-log.js';
import { TcpConnections } from './tcp-connections.js';
import {
  readKernelUdpCounters,
  readSocketDrops,
  type KernelUdpCounters,
} from './kernel-udp-stats.js';
import type {
  DropStage,
  FlowExportListenersOptions,
  ListenerAddresses,
  ListenerStats,
} from './types.js';

type ListenerName = 'netflow' | 'ipfix_udp' | 'ipfix_tcp' | 'sflow';

interface Received {
  readonly bytes: Uint8Array;
  readonly exporter: string;
  readonly receivedMs: number;
}

type State = 'created' | 'running' | 'stopping' | 'stopped';

/** SO_RCVBUF asked for by default: about a second of a busy exporter's export at 60 Mbit/s. */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 8 << 20;

/**
 * The flow-export sockets of an ingest replica: UDP NetFlow v5/v9, UDP and TCP IPFIX, UDP
 * sFlow, all feeding one bounded queue and one decoder (one template view per replica).
 * Drops are counted at each stage; Kafka is wired by the caller through onRecords.
 */
export class FlowExportListeners {
  readonly decoder: FlowExportDecoder;
  private readonly queue: BoundedQueue<Received>;
  private readonly rejections: RejectionLog;
  private readonly metrics: ListenerMetrics | null;
  private readonly udp: Socket[] = [];
  private tcp: Server | null = null;
  private connections: TcpConnections | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private state: State = 'created';
  private ports: ListenerAddresses = { netflow: null, ipfixUdp: null, ipfixTcp: null, sflow: null };
  private packetsReceived = 0;
  private records = 0;
  private readonly drops: Record<DropStage, number> = {
    socket: 0,
    decode: 0,
    'template-missing': 0,
    'queue-full': 0,
  };
  private readonly dropReasons = new Map<string, number>();
  private readonly receiveBufferRequested: number;
  private receiveBufferEffective: number | null = null;
  private kernelAtStart: KernelUdpCounters = { rcvbufErrors: null, inErrors: null };

  constructor(private readonly options: FlowExportListenersOptions) {
    this.decoder = new FlowExportDecoder({
      ...options.decoder,
      ...(options.templateStore === undefined ? {} : { templateStore: options.templateStore }),
    });
    this.queue = new BoundedQueue(options.queueCapacity ?? 10_000);
    this.rejections = new RejectionLog(options.logger);
    this.metrics = options.meter === undefined ? null : listenerMetrics(options.meter);
    const size = options.udpReceiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES;
    if (!Number.isInteger(size) || size <= 0) {
      throw new RangeError('udpReceiveBufferBytes must be a positive integer (bytes)');
    }
    this.receiveBufferRequested = size;
  }

  /** Count a drop at `stage` for `reason`, and log the reason at most once a minute. */
  private drop(
    stage: DropStage,
    reason: string,
    details: Record<string, unknown>,
    count = 1,
  ): void {
    this.drops[stage] += count;
    this.dropReasons.set(reason, (this.dropReasons.get(reason) ?? 0) + count);
    this.metrics?.drops.add(count, { stage, reason });
    this.rejections.note(reason, { stage, ...details });
  }

  async start(): Promise<ListenerAddresses> {
    if (this.state !== 'created') throw new Error(`listeners already ${this.state}`);
    const o = this.options;
    const host = o.host ?? '0.0.0.0';
    const port = (v: number | null | undefined, fallback: number) =>
      v === undefined ? fallback : v;
    const netflow = port(o.netflowPort, 2055);
    const ipfixUdp = port(o.ipfixUdpPort, 4739);
    const ipfixTcp = port(o.ipfixTcpPort, 4739);
    const sflow = port(o.sflowPort, 6343);
    this.kernelAtStart = readKernelUdpCounters();
    try {
      this.ports = {
        netflow: netflow === null ? null : await this.bindUdp(host, netflow, 'netflow'),
        ipfixUdp: ipfixUdp === null ? null : await this.bindUdp(host, ipfixUdp, 'ipfix_udp'),
        ipfixTcp: ipfixTcp === null ? null : await this.listenTcp(host, ipfixTcp),
        sflow: sflow === null ? null : await this.bindUdp(host, sflow, 'sflow'),
      };
    } catch (err) {
      await this.close();
      throw err;
    }
    const interval = o.sflowFlushIntervalMs ?? 1_000;
    this.flushTimer = setInterval(() => {
      const flows = this.decoder.flushExpired();
      if (flows.length > 0) void this.deliver(flows);
    }, interval);
    this.flushTimer.unref();
    this.state = 'running';
    return this.ports;
  }

  addresses(): ListenerAddresses {
    return this.ports;
  }

  private bindUdp(host: string, port: number, listener: ListenerName): Promise<number> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    this.udp.push(socket);
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      this.enqueue(msg, rinfo.address, listener);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => {
          this.drop('socket', 'socket-error', { listener, error: err.message });
        });
        this.setReceiveBuffer(socket, listener);
        resolve(socket.address().port);
      });
    });
  }

  /**
   * SO_RCVBUF: headroom for exporter bursts while the decoder is busy. The kernel caps it at
   * net.core.rmem_max without an error (Linux reports twice the size it grants, for its
   * bookkeeping); the size it reports is kept, and a cap is logged with what to raise.
   */
  private setReceiveBuffer(socket: Socket, listener: ListenerName): void {
    const requested = this.receiveBufferRequested;
    try {
      socket.setRecvBufferSize(requested);
    } catch (err) {
      this.rejections.note('receive-buffer-not-set', {
        listener,
        requestedBytes: requested,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    let effective: number;
    try {
      effective = socket.getRecvBufferSize();
    } catch {
      return;
    }
    this.receiveBufferEffective =
      this.receiveBufferEffective === null
        ? effective
        : Math.min(this.receiveBufferEffective, effective);
    const granted = process.platform === 'linux' ? effective / 2 : effective;
    if (granted < requested) {
      this.rejections.note('receive-buffer-capped', {
        listener,
        requestedBytes: requested,
        effectiveBytes: effective,
        hint: 'raise net.core.rmem_max (sysctl) for the requested size',
      });
    }
  }

  private listenTcp(host: string, port: number): Promise<number> {
    const o = this.options;
    const tcp = new TcpConnections(
      {
        idleTimeoutMs: o.tcpIdleTimeoutMs ?? 600_000,
        messageTimeoutMs: o.tcpMessageTimeoutMs ?? 30_000,
        maxPerSource: o.maxTcpConnectionsPerSource ?? 16,
        maxTotal: o.maxTcpConnections ?? 256,
      },
      (reason, exporter) => this.drop('socket', reason, { exporter, connections: tcp.size }),
    );
    this.connections = tcp;
    const server = createServer((conn) => {
      if (this.state !== 'running') {
        conn.destroy();
        return;
      }
      const c = tcp.admit(conn);
      if (c === null) return;
      const exporter = c.source;
      conn.on('data', (chunk: Buffer) => {
        const messages = tcp.data(c, chunk);
        if (messages === null) {
          this.drop('decode', 'tcp-framing-lost', { exporter });
          conn.destroy();
          return;
        }
        for (const m of messages) this.enqueue(m, exporter, 'ipfix_tcp');
      });
      conn.on('error', (err) => {
        this.drop('socket', 'tcp-connection-error', { exporter, error: err.message });
      });
    });
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  private enqueue(bytes: Uint8Array, exporter: string, listener: ListenerName): void {
    this.packetsReceived++;
    this.metrics?.packets.add(1, { listener });
    if (!this.queue.push({ bytes, exporter, receivedMs: Date.now() })) {
      this.drop('queue-full', 'queue-full', { exporter, capacity: this.queue.capacity });
      return;
    }
    this.kick();
  }

  private kick(): void {
    if (this.draining !== null) return;
    // Started a tick later so a burst enqueued in one socket event is drained in one run;
    // anything enqueued while the run was finishing starts the next one.
    this.draining = Promise.resolve()
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.queue.size > 0) this.kick();
      });
  }

  /** One consumer: decodes in arrival order, yielding to the loop so sockets keep reading. */
  private async drain(): Promise<void> {
    const shared = this.options.templateStore !== undefined;
    let sinceYield = 0;
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      const result = shared
        ? await this.decoder.decodeShared(item.bytes, item.exporter, item.receivedMs)
        : this.decoder.decode(item.bytes, item.exporter, item.receivedMs);
      this.account(result, item.exporter);
      if (result.records.length > 0) await this.deliver(result.records);
      if (++sinceYield >= 64) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
  }

  private account(result: DecodeResult, exporter: string): void {
    const protocol = result.protocol;
    if (result.rejected !== null) this.drop('decode', result.rejected, { exporter, protocol });
    for (const reason of result.setRejects) {
      if (reason !== 'template-missing') this.drop('decode', reason, { exporter, protocol });
    }
    if (result.missing.length > 0) {
      const first = result.missing[0]!;
      this.drop(
        'template-missing',
        'template-missing',
        {
          exporter,
          protocol: first.protocol,
          observationDomain: first.observationDomain,
          templateId: first.templateId,
        },
        result.missing.length,
      );
    }
  }

  private async deliver(records: Parameters<FlowExportListenersOptions['onRecords']>[0]) {
    this.records += records.length;
    // A batch comes from one decode (or one sFlow flush): one protocol.
    this.metrics?.records.add(records.length, { protocol: records[0]?.source ?? 'unknown' });
    try {
      await this.options.onRecords(records);
    } catch (err) {
      this.rejections.note('sink-failed', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  templates(): TemplateSummary[] {
    return this.decoder.templates();
  }

  stats(): ListenerStats {
    return {
      packetsReceived: this.packetsReceived,
      records: this.records,
      queued: this.queue.size,
      drops: { ...this.drops },
      dropReasons: Object.fromEntries(this.dropReasons),
      tcpConnections: this.connections?.size ?? 0,
      receiveBuffer: {
        requestedBytes: this.receiveBufferRequested,
        effectiveBytes: this.receiveBufferEffective,
      },
      kernel: this.kernelStats(),
      decoder: this.decoder.stats(),
    };
  }

  private kernelStats(): ListenerStats['kernel'] {
    const now = readKernelUdpCounters();
    const since = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    const ports = new Set<number>();
    for (const p of [this.ports.netflow, this.ports.ipfixUdp, this.ports.sflow]) {
      if (p !== null) ports.add(p);
    }
    return {
      udpRcvbufErrors: since(now.rcvbufErrors, this.kernelAtStart.rcvbufErrors),
      udpInErrors: since(now.inErrors, this.kernelAtStart.inErrors),
      socketDrops: ports.size === 0 ? null : readSocketDrops(ports),
    };
  }

  /** Wait until everything received so far is decoded and delivered. */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  /** Stop reading, decode what is queued, emit open sFlow flows, close sockets. */
  async close(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    await Promise.all(
      this.udp.map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
    this.connections?.closeAll();
    const server = this.tcp;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.idle();
    const rest = this.decoder.flushAll();
    if (rest.length > 0) await this.deliver(rest);
    this.state = 'stopped';
  }
}
