import type { AnalyzedFlow } from './embedded.js';

/** One line of `analyze --format jsonl`: the contract SIEM scripts and tests rely on. */
export interface FlowRow {
  readonly ts: string;
  readonly transport: 'tcp' | 'udp';
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly verdict: string;
  readonly handshake: string;
  /** Initiator's first payload bytes, bits/byte; null when it sent none. */
  readonly entropy: number | null;
  readonly score: number;
  readonly detected: boolean;
  readonly reasons: readonly string[];
  readonly severity: string | null;
  readonly sni: string | null;
  readonly flowId: string;
  readonly detectionId: string | null;
  readonly status: string | null;
  readonly packets: number;
  readonly bytes: number;
}

/** Rows for TCP and UDP flows (the only transports with payload to judge). */
export function rowsOf(flows: readonly AnalyzedFlow[], all: boolean): FlowRow[] {
  const rows: FlowRow[] = [];
  for (const { features: f, detection: d } of flows) {
    const t = f.flow.transport;
    if (t !== 'tcp' && t !== 'udp') continue;
    const detected = d !== null;
    if (!all && !detected) continue;
    rows.push({
      ts: new Date(f.flow.startMs).toISOString(),
      transport: t,
      srcIp: f.flow.srcAddr,
      srcPort: f.flow.srcPort,
      dstIp: f.flow.dstAddr,
      dstPort: f.flow.dstPort,
      verdict: f.verdict,
      handshake: f.handshake.protocol,
      entropy: f.initiator === null ? null : round(f.initiator.entropy, 3),
      score: d?.score ?? 0,
      detected,
      reasons: d === null ? [...f.evidence] : d.reasons.map((r) => `${r.code}=${String(r.value)}`),
      severity: d?.severity ?? null,
      sni: f.handshake.sni,
      flowId: f.flow.flowId,
      detectionId: d?.id ?? null,
      status: d?.status ?? null,
      packets: f.flow.packetsFwd + f.flow.packetsRev,
      bytes: f.flow.bytesFwd + f.flow.bytesRev,
    });
  }
  return rows;
}

export function toJsonl(rows: readonly FlowRow[]): string {
  return rows.map((r) => JSON.stringify(r) + '\n').join('');
}

const COLUMNS: readonly [string, (r: FlowRow) => string][] = [
  ['time', (r) => r.ts],
  ['proto', (r) => r.transport],
  ['source', (r) => endpoint(r.srcIp, r.srcPort)],
  ['destination', (r) => endpoint(r.dstIp, r.dstPort)],
  ['verdict', (r) => r.verdict],
  ['handshake', (r) => r.handshake],
  ['entropy', (r) => (r.entropy === null ? '-' : r.entropy.toFixed(2))],
  ['score', (r) => (r.detected ? String(r.score) : '-')],
  ['severity', (r) => r.severity ?? '-'],
  ['reasons', (r) => r.reasons.join(' ')],
];

export function toTable(rows: readonly FlowRow[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, get]) => get(r)));
  const widths = COLUMNS.map(([name], i) =>
    Math.max(name.length, ...cells.map((c) => (i === COLUMNS.length - 1 ? 0 : c[i]!.length))),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd() + '\n';
  return line(COLUMNS.map(([name]) => name)) + cells.map(line).join('');
}

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
