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
  /** The flow table cut this flow short: it is one of two or more records of one flow. */
  readonly split: boolean;
}

/** The row of a TCP or UDP flow (the only transports with payload to judge), else null. */
export function rowOf({ features: f, detection: d }: AnalyzedFlow, split: boolean): FlowRow | null {
  const t = f.flow.transport;
  if (t !== 'tcp' && t !== 'udp') return null;
  return {
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
    detected: d !== null,
    reasons: d === null ? [...f.evidence] : d.reasons.map((r) => `${r.code}=${String(r.value)}`),
    severity: d?.severity ?? null,
    sni: f.handshake.sni,
    flowId: f.flow.flowId,
    detectionId: d?.id ?? null,
    status: d?.status ?? null,
    packets: f.flow.packetsFwd + f.flow.packetsRev,
    bytes: f.flow.bytesFwd + f.flow.bytesRev,
    split,
  };
}

export function jsonlLine(row: FlowRow): string {
  return JSON.stringify(row) + '\n';
}

const COLUMNS: readonly [string, (r: FlowRow) => string][] = [
  ['time', (r) => r.ts],
  ['proto', (r) => r.transport],
  ['source', (r) => endpoint(r.srcIp, r.srcPort)],
  ['destination', (r) => endpoint(r.dstIp, r.dstPort)],
  ['verdict', (r) => r.verdict + (r.split ? ' (split)' : '')],
  ['handshake', (r) => r.handshake],
  ['entropy', (r) => (r.entropy === null ? '-' : r.entropy.toFixed(2))],
  ['score', (r) => (r.detected ? String(r.score) : '-')],
  ['severity', (r) => r.severity ?? '-'],
  ['reasons', (r) => r.reasons.join(' ')],
];

/**
 * Column-aligned text: widths need every row, so rows are kept as cells until `render`.
 * Widths are folded row by row (never spread into Math.max: any count of rows works).
 */
export class TableWriter {
  private readonly cells: string[][] = [];
  private readonly widths = COLUMNS.map(([name]) => name.length);

  add(row: FlowRow): void {
    const cells = COLUMNS.map(([, get]) => get(row));
    // The last column is not padded, so its width does not matter.
    for (let i = 0; i < cells.length - 1; i++)
      if (cells[i]!.length > this.widths[i]!) this.widths[i] = cells[i]!.length;
    this.cells.push(cells);
  }

  /** Writes the header and every row through `write`, a line at a time. */
  async render(write: (text: string) => Promise<void>): Promise<void> {
    const line = (values: readonly string[]): string =>
      values
        .map((v, i) => (i === values.length - 1 ? v : v.padEnd(this.widths[i]!)))
        .join('  ')
        .trimEnd() + '\n';
    await write(line(COLUMNS.map(([name]) => name)));
    for (const c of this.cells) await write(line(c));
  }
}

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
