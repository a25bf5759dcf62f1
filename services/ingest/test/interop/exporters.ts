// Runs real exporters (softflowd, pmacctd) over a capture file, bounded in time, and
// always ends the processes it started.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REQUIRED_TOOLS = [
  'softflowd',
  'softflowctl',
  'pmacctd',
  'tshark',
  'mergecap',
  'nfcapd',
  'nfdump',
];

export function missingTools(): string[] {
  return REQUIRED_TOOLS.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function softflowctl(socket: string, command: string): string {
  try {
    return execFileSync('softflowctl', ['-c', socket, command], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

/**
 * softflowd reading `pcap`: it waits on its control socket before reading a file, so the
 * control socket drives it — read everything, then expire-all exports every flow.
 */
export async function runSoftflowd(
  pcap: string,
  packets: number,
  target: string,
  args: readonly string[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-softflowd-'));
  const socket = join(dir, 'ctl');
  const child = spawn(
    'softflowd',
    ['-d', '-r', pcap, '-n', target, '-c', socket, '-p', join(dir, 'pid'), ...args],
    { stdio: 'ignore' },
  );
  try {
    // Read: every packet counted as processed or ignored (v5 ignores IPv6), or no progress.
    const deadline = Date.now() + 20_000;
    let last = -1;
    for (;;) {
      const stats = softflowctl(socket, 'statistics');
      const processed = Number(/Packets processed: (\d+)/.exec(stats)?.[1] ?? -1);
      const ignored = Number(/Ignored packets: (\d+)/.exec(stats)?.[1] ?? 0);
      if (
        processed >= 0 &&
        (processed + ignored >= packets || (processed > 0 && processed === last))
      )
        break;
      if (Date.now() > deadline) throw new Error(`softflowd did not read ${pcap}`);
      last = processed;
      await sleep(200);
    }
    softflowctl(socket, 'expire-all');
    const exitBy = Date.now() + 5000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < exitBy) {
      await sleep(50);
    }
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PmacctTargets {
  readonly netflow9?: string;
  readonly ipfix?: string;
  readonly sflow?: string;
}

/**
 * pmacctd reading `pcap` into its nfprobe (NetFlow v9 / IPFIX) and sfprobe (sFlow, 1 in 1)
 * plugins. Short probe timeouts expire every flow soon after the file ends; then SIGINT.
 */
export async function runPmacctd(
  pcap: string,
  targets: PmacctTargets,
  /** Datagrams received so far from it: the run ends once they stop coming. */
  progress: () => number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-pmacctd-'));
  const plugins: string[] = [];
  const lines = [
    'daemonize: false',
    `pcap_savefile: ${pcap}`,
    'pcap_savefile_wait: true',
    'sampling_rate: 1',
  ];
  const timeouts = 'tcp=1:tcp.rst=1:tcp.fin=1:udp=1:icmp=1:general=1:maxlife=60:expint=1';
  if (targets.netflow9 !== undefined) {
    plugins.push('nfprobe[v9]');
    lines.push(`nfprobe_receiver[v9]: ${targets.netflow9}`, 'nfprobe_version[v9]: 9');
    lines.push(`nfprobe_timeouts[v9]: ${timeouts}`);
  }
  if (targets.ipfix !== undefined) {
    plugins.push('nfprobe[v10]');
    lines.push(`nfprobe_receiver[v10]: ${targets.ipfix}`, 'nfprobe_version[v10]: 10');
    lines.push(`nfprobe_timeouts[v10]: ${timeouts}`);
  }
  if (targets.sflow !== undefined) {
    plugins.push('sfprobe[sf]');
    lines.push(`sfprobe_receiver[sf]: ${targets.sflow}`, 'sfprobe_agentip[sf]: 127.0.0.1');
  }
  lines.push(`plugins: ${plugins.join(', ')}`);
  const config = join(dir, 'pmacctd.conf');
  writeFileSync(config, lines.join('\n') + '\n');
  const child = spawn('pmacctd', ['-f', config], { stdio: 'ignore' });
  try {
    // pmacctd sleeps 2 s before reading a savefile; the probes expire flows each second.
    // Done when nothing new arrived for 2 s after the first 5 s (30 s at most).
    const started = Date.now();
    let last = -1;
    let quietSince = Date.now();
    while (Date.now() - started < 30_000) {
      await sleep(250);
      const now = progress();
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - started > 5000 && now > 0 && Date.now() - quietSince > 2000) break;
    }
    if (child.exitCode === null) child.kill('SIGINT');
    const exitBy = Date.now() + 5000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < exitBy) {
      await sleep(50);
    }
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mergeCaptures(files: readonly string[], out: string): void {
  execFileSync('mergecap', ['-F', 'pcap', '-w', out, ...files], { stdio: 'ignore' });
}

/** A UDP relay that keeps every datagram it forwards, so a referee can decode them too. */
export async function startRelay(target: number): Promise<{
  readonly port: number;
  readonly datagrams: Buffer[];
  close(): void;
}> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => {
    datagrams.push(m);
    socket.send(m, target, '127.0.0.1');
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, datagrams, close: () => socket.close() };
}

export interface NfdumpFlow {
  readonly key: string;
  readonly packets: number;
  readonly bytes: number;
}

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMP6: 58 };

/**
 * nfdump as referee: the datagrams an exporter sent are replayed into nfcapd and read back
 * with nfdump, one line per flow record.
 */
export async function nfdumpDecode(datagrams: readonly Buffer[]): Promise<NfdumpFlow[]> {
  const { createSocket } = await import('node:dgram');
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-nfcapd-'));
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  probe.close();
  const nfcapd = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-t', '3600'], {
    stdio: 'ignore',
  });
  try {
    await waitForUdpPort(port);
    const sender = createSocket('udp4');
    for (const d of datagrams) {
      await new Promise<void>((resolve) => sender.send(d, port, '127.0.0.1', () => resolve()));
      await sleep(1);
    }
    sender.close();
    await sleep(500);
  } finally {
    await stop(nfcapd);
  }
  try {
    // csv keeps IPv6 addresses whole (the fmt output shortens long ones).
    const out = execFileSync('nfdump', ['-R', dir, '-q', '-N', '-o', 'csv'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => l.split(','))
      .filter((c) => c.length > 12 && /^\d{4}-/.test(c[0] ?? ''))
      .map((c) => {
        const [sa, da, sp, dp, pr] = c.slice(3, 8).map((x) => x.trim());
        const proto = PROTOCOLS[pr!] ?? Number(pr);
        return {
          key: `${proto}|${sa}|${Number(sp)}|${da}|${Number(dp)}`,
          packets: Number(c[11]),
          bytes: Number(c[12]),
        };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once some process has a UDP socket bound to `port` (Linux /proc/net/udp). */
async function waitForUdpPort(port: number, timeoutMs = 10_000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const table = readFileSync('/proc/net/udp', 'utf8');
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on UDP port ${port}`);
}
