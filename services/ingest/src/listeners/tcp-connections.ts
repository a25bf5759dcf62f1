import type { Socket } from 'node:net';
import { IpfixTcpFramer } from './ipfix-tcp-framer.js';

/** Why the IPFIX/TCP listener closed or refused a connection (socket-stage drop reasons). */
export type TcpDropReason =
  'tcp-idle-timeout' | 'tcp-message-timeout' | 'tcp-source-limit' | 'tcp-connection-limit';

export interface TcpLimits {
  /** A connection that sent nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** A message begun must be complete within this long (a stalled or trickled one is closed). */
  readonly messageTimeoutMs: number;
  /** Connections held at once from one source address. */
  readonly maxPerSource: number;
  /** Connections held at once in all. */
  readonly maxTotal: number;
}

export interface TcpConnection {
  readonly socket: Socket;
  readonly source: string;
  readonly framer: IpfixTcpFramer;
  /** Last time bytes arrived (ms). */
  lastDataMs: number;
  /** When the incomplete message now buffered began (ms); -1 when none is. */
  messageStartMs: number;
}

/**
 * The IPFIX/TCP connections of a listener, bounded so that no exporter can keep another
 * out: per source address, in total (at the total, the connection idle longest gives way
 * to the newcomer), and in time (idle connections and messages that never complete are
 * closed). Every close or refusal is reported with its reason.
 */
export class TcpConnections {
  private readonly open = new Map<Socket, TcpConnection>();
  private readonly perSource = new Map<string, number>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: TcpLimits,
    private readonly onDrop: (reason: TcpDropReason, source: string) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Admit a new connection, or refuse it (destroying it) and return null. */
  admit(socket: Socket): TcpConnection | null {
    const source = socket.remoteAddress ?? 'unknown';
    if ((this.perSource.get(source) ?? 0) >= this.limits.maxPerSource) {
      this.onDrop('tcp-source-limit', source);
      socket.destroy();
      return null;
    }
    if (this.open.size >= this.limits.maxTotal) {
      const victim = this.longestIdle();
      if (victim === null) {
        this.onDrop('tcp-connection-limit', source);
        socket.destroy();
        return null;
      }
      this.closeWith(victim, 'tcp-connection-limit');
    }
    const now = this.clock();
    const c: TcpConnection = {
      socket,
      source,
      framer: new IpfixTcpFramer(),
      lastDataMs: now,
      messageStartMs: -1,
    };
    this.open.set(socket, c);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
    socket.once('close', () => this.forget(c));
    this.ensureSweeper();
    return c;
  }

  /** Bytes arrived on `c`: messages completed by them, or null once framing is lost. */
  data(c: TcpConnection, chunk: Uint8Array): Uint8Array[] | null {
    const now = this.clock();
    c.lastDataMs = now;
    const messages = c.framer.push(chunk);
    if (messages === null) return null;
    if (c.framer.buffered === 0) c.messageStartMs = -1;
    else if (c.messageStartMs < 0 || messages.length > 0) c.messageStartMs = now;
    return messages;
  }

  /** Close idle connections and those whose message stalled; call on a timer. */
  sweep(now = this.clock()): void {
    for (const c of [...this.open.values()]) {
      if (c.messageStartMs >= 0 && now - c.messageStartMs >= this.limits.messageTimeoutMs) {
        this.closeWith(c, 'tcp-message-timeout');
      } else if (now - c.lastDataMs >= this.limits.idleTimeoutMs) {
        this.closeWith(c, 'tcp-idle-timeout');
      }
    }
  }

  closeAll(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of [...this.open.values()]) {
      this.forget(c);
      c.socket.destroy();
    }
  }

  private longestIdle(): TcpConnection | null {
    let victim: TcpConnection | null = null;
    for (const c of this.open.values()) {
      if (victim === null || c.lastDataMs < victim.lastDataMs) victim = c;
    }
    return victim;
  }

  private closeWith(c: TcpConnection, reason: TcpDropReason): void {
    this.forget(c);
    this.onDrop(reason, c.source);
    c.socket.destroy();
  }

  private forget(c: TcpConnection): void {
    if (!this.open.delete(c.socket)) return;
    const n = (this.perSource.get(c.source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(c.source);
    else this.perSource.set(c.source, n);
  }

  private ensureSweeper(): void {
    if (this.sweeper !== null) return;
    const every = Math.max(
      25,
      Math.min(
        1000,
        Math.floor(Math.min(this.limits.idleTimeoutMs, this.limits.messageTimeoutMs) / 4),
      ),
    );
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }
}
