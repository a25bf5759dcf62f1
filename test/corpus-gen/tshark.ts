// tshark as an independent referee for the generator's tests. scripts/bootstrap.sh --test
// installs it; without it these tests fail with that hint, never pass silently.
import { spawnSync } from 'node:child_process';
import { flowKey } from './pcap-reader.js';

let available: boolean | undefined;

export function tsharkAvailable(): boolean {
  available ??= spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
  return available;
}

export function requireTshark(): void {
  if (!tsharkAvailable())
    throw new Error(
      'tshark is not installed: run scripts/bootstrap.sh --test (Debian package tshark)',
    );
}

export function tshark(args: readonly string[]): string {
  const r = spawnSync('tshark', ['-n', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface Conversation {
  readonly transport: 'tcp' | 'udp';
  readonly a: string;
  readonly b: string;
  readonly frames: number;
}

/** Parses `-q -z conv,tcp -z conv,udp` into conversations with their total frame counts. */
export function conversations(file: string): Conversation[] {
  const text = tshark(['-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']);
  const out: Conversation[] = [];
  let transport: 'tcp' | 'udp' | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('TCP Conversations')) transport = 'tcp';
    else if (line.startsWith('UDP Conversations')) transport = 'udp';
    // Byte columns carry a unit (bytes, kB, MB) that varies with size; frame counts do not.
    const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+[\d.,]+\s+\S+\s+(\d+)\s+[\d.,]+\s+\S+\s+(\d+)\s/.exec(
      line,
    );
    if (m && transport) out.push({ transport, a: m[1]!, b: m[2]!, frames: Number(m[5]) });
  }
  return out;
}

function splitHostPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i), Number(s.slice(i + 1))];
}

/** The conversation's key in the form of pcap-reader's flowKey, whichever side is listed first. */
export function conversationKey(c: Conversation): string {
  const [srcIp, srcPort] = splitHostPort(c.a);
  const [dstIp, dstPort] = splitHostPort(c.b);
  return flowKey({ transport: c.transport, srcIp, srcPort, dstIp, dstPort });
}

/**
 * Frames per flow (pcap-reader flowKey) from tshark's conversation tables. Some dissectors
 * (SNMP) make tshark list a flow's two directions as two rows; they are summed.
 */
export function conversationFrames(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of conversations(file)) {
    const k = conversationKey(c);
    out.set(k, (out.get(k) ?? 0) + c.frames);
  }
  return out;
}

/** Display filter matching bad checksums and expert infos of warning severity or worse. */
export const PROBLEM_FILTER =
  'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || _ws.expert.severity >= 0x600000';

export const CHECKSUM_PREFS = [
  '-o',
  'ip.check_checksum:TRUE',
  '-o',
  'tcp.check_checksum:TRUE',
  '-o',
  'udp.check_checksum:TRUE',
];
