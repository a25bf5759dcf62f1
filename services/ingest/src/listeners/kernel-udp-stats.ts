import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * What the kernel dropped before a datagram reached the listeners: Linux counts a datagram
 * that found the socket's receive buffer full as RcvbufErrors (and InErrors) in
 * /proc/net/snmp (IPv4) and /proc/net/snmp6 (IPv6), host-wide, and per socket in the
 * `drops` column of /proc/net/udp and /proc/net/udp6. Elsewhere the values are null.
 */
export interface KernelUdpCounters {
  /** Host-wide RcvbufErrors, IPv4 + IPv6. */
  readonly rcvbufErrors: number | null;
  /** Host-wide InErrors, IPv4 + IPv6 (includes RcvbufErrors and checksum errors). */
  readonly inErrors: number | null;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** `Udp:` header and value lines of /proc/net/snmp. */
export function parseSnmpUdp(text: string): { rcvbufErrors: number; inErrors: number } | null {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0]!.trim().split(/\s+/).slice(1);
  const values = lines[1]!.trim().split(/\s+/).slice(1).map(Number);
  const get = (name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? NaN : (values[i] ?? NaN);
  };
  const rcvbufErrors = get('RcvbufErrors');
  const inErrors = get('InErrors');
  if (!Number.isFinite(rcvbufErrors) || !Number.isFinite(inErrors)) return null;
  return { rcvbufErrors, inErrors };
}

/** `Udp6RcvbufErrors` / `Udp6InErrors` lines of /proc/net/snmp6. */
export function parseSnmp6Udp(text: string): { rcvbufErrors: number; inErrors: number } | null {
  const value = (name: string) => {
    const m = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(text);
    return m === null ? NaN : Number(m[1]);
  };
  const rcvbufErrors = value('Udp6RcvbufErrors');
  const inErrors = value('Udp6InErrors');
  if (!Number.isFinite(rcvbufErrors) || !Number.isFinite(inErrors)) return null;
  return { rcvbufErrors, inErrors };
}

export function readKernelUdpCounters(): KernelUdpCounters {
  const v4 = parseSnmpUdp(read('/proc/net/snmp') ?? '');
  if (v4 === null) return { rcvbufErrors: null, inErrors: null };
  const v6 = parseSnmp6Udp(read('/proc/net/snmp6') ?? '');
  return {
    rcvbufErrors: v4.rcvbufErrors + (v6?.rcvbufErrors ?? 0),
    inErrors: v4.inErrors + (v6?.inErrors ?? 0),
  };
}

/** One row of /proc/net/udp{,6}: local port, socket inode and its drop counter. */
export interface UdpSocketRow {
  readonly localPort: number;
  readonly inode: number;
  readonly drops: number;
}

export function parseProcNetUdp(text: string): UdpSocketRow[] {
  const rows: UdpSocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (cols.length < 13) continue;
    const port = parseInt(cols[1]!.split(':')[1] ?? '', 16);
    const inode = Number(cols[9]);
    const drops = Number(cols[12]);
    if (Number.isFinite(port) && Number.isFinite(inode) && Number.isFinite(drops)) {
      rows.push({ localPort: port, inode, drops });
    }
  }
  return rows;
}

/** Inodes of this process's sockets (from /proc/self/fd), empty where there is no /proc. */
function ownSocketInodes(): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m !== null) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Datagrams the kernel dropped on this process's UDP sockets bound to `ports` (the `drops`
 * column, counted since each socket was bound); null where /proc/net/udp is not there.
 */
export function readSocketDrops(ports: ReadonlySet<number>): number | null {
  const v4 = read('/proc/net/udp');
  if (v4 === null) return null;
  const rows = [...parseProcNetUdp(v4), ...parseProcNetUdp(read('/proc/net/udp6') ?? '')];
  const own = ownSocketInodes();
  let drops = 0;
  for (const r of rows) {
    if (ports.has(r.localPort) && own.has(r.inode)) drops += r.drops;
  }
  return drops;
}
