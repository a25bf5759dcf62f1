// Builds a labelled corpus: for every class, N flows recorded from real endpoints, placed on
// distinct deterministic addresses, written as one pcap per class plus labels.json.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Verdict } from '@opaqueflow/flow-model';
import { PcapWriter } from './pcap-writer.js';
import { Rng } from './rng.js';
import { synthesise, type FlowEndpoints } from './synth.js';
import type { FlowClass, FlowOutcome } from './classes/types.js';

export interface LabelEntry {
  /** pcap path relative to the directory holding labels.json. */
  readonly file: string;
  readonly transport: 'tcp' | 'udp';
  /** The initiator. */
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly label: Verdict;
  readonly class: string;
  readonly description: string;
  /** Frames of this flow in the file, both directions, handshake and teardown included. */
  readonly packets: number;
}

export interface LabelsFile {
  readonly version: 1;
  readonly seed: string;
  readonly flows: readonly LabelEntry[];
}

export interface CorpusOptions {
  /** Where labels.json goes. */
  readonly labelsDir: string;
  /** Where the pcaps go (labelsDir or below it). */
  readonly pcapDir: string;
  readonly flowsPerClass: number;
  readonly seed: string;
  /** The whole catalogue: class numbers (and so addresses) come from positions in it. */
  readonly catalogue: readonly FlowClass[];
  /** Names of the classes to generate; all when absent. */
  readonly only?: readonly string[];
  readonly onFlow?: (entry: LabelEntry) => void;
}

/** 2026-01-01T00:00:00Z: fixed so that a seed reproduces a file byte for byte. */
const EPOCH_US = 1_767_225_600_000_000;
const FLOW_SPACING_US = 2_000_000;

function serverNet(label: Verdict): string {
  if (label === 'opaque') return '198.51.100';
  if (label === 'plaintext' || label === 'compressed') return '203.0.113';
  return '192.0.2';
}

function mac(...octets: number[]): Buffer {
  return Buffer.from([0x02, ...octets.map((o) => o & 0xff)]);
}

/** Deterministic, distinct endpoints for flow `i` of class number `k` (1-based). */
export function endpointsFor(k: number, i: number, cls: FlowClass, port: number): FlowEndpoints {
  const v6 = cls.ipv6 && i % 3 === 2;
  const clientIp = v6
    ? `2001:db8:${k.toString(16)}::${(i + 1).toString(16)}`
    : `10.${k}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const serverIp = v6 ? `2001:db8:ffff::${k.toString(16)}` : `${serverNet(cls.label)}.${k}`;
  const clientPort = 32768 + ((k * 7919 + i * 104729) % 28000);
  return {
    client: { ip: clientIp, port: clientPort, mac: mac(0, 0x0a, k, i >> 8, i) },
    server: { ip: serverIp, port, mac: mac(0, 0xc0, k, 0, 1) },
    ...(cls.clientMss ? { clientMss: cls.clientMss } : {}),
  };
}

const ATTEMPTS = 3;

/**
 * One flow of a class. Real sockets on a loaded machine can time out; a retry starts from a
 * fresh stream of the same seed, so it yields the same flow a first success would have.
 */
async function makeFlow(
  cls: FlowClass,
  seed: string,
  index: number,
  port: number,
): Promise<{ rng: Rng; outcome: FlowOutcome }> {
  for (let attempt = 1; ; attempt++) {
    const rng = new Rng(seed, `${cls.name}#${index}`);
    try {
      return { rng, outcome: await cls.make({ rng, index, port }) };
    } catch (e) {
      if (attempt >= ATTEMPTS)
        throw new Error(`${cls.name} flow ${index} failed ${attempt} times`, { cause: e });
    }
  }
}

export async function generateCorpus(opts: CorpusOptions): Promise<LabelsFile> {
  const flows: LabelEntry[] = [];
  await mkdir(opts.pcapDir, { recursive: true });
  const written = new Set<string>();
  for (const [pos, cls] of opts.catalogue.entries()) {
    if (opts.only && !opts.only.includes(cls.name)) continue;
    const k = pos + 1;
    const writer = new PcapWriter();
    const fileName = `${cls.name}.pcap`;
    const file = relative(opts.labelsDir, join(opts.pcapDir, fileName)).split('\\').join('/');
    let clock = EPOCH_US + k * 3600 * 1e6;
    const keylog: string[] = [];
    for (let i = 0; i < opts.flowsPerClass; i++) {
      const port = cls.ports[i % cls.ports.length]!;
      const { rng, outcome } = await makeFlow(cls, opts.seed, i, port);
      if (outcome.transcript.transport !== cls.transport)
        throw new Error(`${cls.name}: made a ${outcome.transcript.transport} flow`);
      if (outcome.keylog) keylog.push(outcome.keylog);
      const eps = endpointsFor(k, i, cls, port);
      const res = synthesise(outcome.transcript, eps, rng, clock, writer);
      clock = Math.max(res.endUs + 1000, clock + FLOW_SPACING_US);
      const entry: LabelEntry = {
        file,
        transport: cls.transport,
        srcIp: eps.client.ip,
        srcPort: eps.client.port,
        dstIp: eps.server.ip,
        dstPort: port,
        label: cls.label,
        class: cls.name,
        description: `${cls.description}; ${outcome.detail}`,
        packets: res.packets,
      };
      flows.push(entry);
      opts.onFlow?.(entry);
    }
    await writeFile(join(opts.pcapDir, fileName), writer.toBuffer());
    written.add(fileName);
    // Secrets for tshark's tls.keylog_file, next to the pcap, where the generator has them.
    if (keylog.length > 0) {
      const keysName = `${cls.name}.keys`;
      await writeFile(join(opts.pcapDir, keysName), keylog.join(''));
      written.add(keysName);
    }
  }
  // A regenerated corpus must not keep pcaps of classes that no longer exist.
  if (!opts.only) {
    for (const name of await readdir(opts.pcapDir)) {
      if ((name.endsWith('.pcap') || name.endsWith('.keys')) && !written.has(name))
        await rm(join(opts.pcapDir, name));
    }
  }
  const labels: LabelsFile = { version: 1, seed: opts.seed, flows };
  await writeFile(join(opts.labelsDir, 'labels.json'), `${JSON.stringify(labels, null, 2)}\n`);
  return labels;
}
