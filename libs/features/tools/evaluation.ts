// The evaluation behind `pnpm eval:features`: a labelled corpus of pcaps (test/corpus/README.md
// describes it) decoded with the project's own decoders, each flow judged by this detector and
// by the two baselines, and precision/recall/F1 of "opaque" plus the rate of opaque calls on
// every class, side by side. Kept apart from the CLI so the unit test runs exactly this code.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { flowsFromCapture } from '@opaqueflow/decoders';
import {
  createFeatureExtractor,
  entropyThresholdBaseline,
  gfwBaseline,
  type FeatureExtractorOptions,
} from '../src/index.js';

export interface FlowLabel {
  readonly file: string;
  readonly transport: string;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly label: string;
  readonly class: string;
}

export interface LabelledFlow {
  readonly flow: FlowRecord;
  readonly label: string;
  readonly className: string;
}

export interface Corpus {
  readonly flows: readonly LabelledFlow[];
  /** Labels that matched no decoded flow: a corpus or decoder problem worth reporting. */
  readonly unmatchedLabels: readonly FlowLabel[];
  /** Decoded flows without a label (e.g. a stray packet), left out of the figures. */
  readonly unlabelledFlows: number;
}

/** Full, lower-case IPv6 (and untouched IPv4), so "2001:db8:1::3" matches however it was printed. */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  const lower = address.toLowerCase();
  const [head = '', tail] = lower.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups]
    .map((g) => g.padStart(4, '0'))
    .join(':');
}

const tupleKey = (t: string, a: string, ap: number, b: string, bp: number): string =>
  `${t}|${canonicalAddress(a)}|${ap}|${canonicalAddress(b)}|${bp}`;

export function loadCorpus(labelsPath: string): Corpus {
  const parsed = JSON.parse(readFileSync(labelsPath, 'utf8')) as { flows?: FlowLabel[] };
  const labels = parsed.flows ?? [];
  const root = dirname(labelsPath);
  const byFile = new Map<string, FlowLabel[]>();
  for (const l of labels) byFile.set(l.file, [...(byFile.get(l.file) ?? []), l]);
  const flows: LabelledFlow[] = [];
  const unmatchedLabels: FlowLabel[] = [];
  let unlabelledFlows = 0;
  for (const [file, fileLabels] of byFile) {
    const { flows: decoded } = flowsFromCapture(new Uint8Array(readFileSync(join(root, file))));
    const byTuple = new Map<string, FlowLabel>();
    for (const l of fileLabels) {
      byTuple.set(tupleKey(l.transport, l.srcIp, l.srcPort, l.dstIp, l.dstPort), l);
    }
    const matched = new Set<FlowLabel>();
    for (const flow of decoded) {
      const label =
        byTuple.get(
          tupleKey(flow.transport, flow.srcAddr, flow.srcPort, flow.dstAddr, flow.dstPort),
        ) ??
        // A decoder that could not tell the initiator may have the tuple the other way round.
        byTuple.get(
          tupleKey(flow.transport, flow.dstAddr, flow.dstPort, flow.srcAddr, flow.srcPort),
        );
      if (label === undefined) {
        unlabelledFlows++;
        continue;
      }
      matched.add(label);
      flows.push({ flow, label: label.label, className: label.class });
    }
    for (const l of fileLabels) if (!matched.has(l)) unmatchedLabels.push(l);
  }
  return { flows, unmatchedLabels, unlabelledFlows };
}

/** A detector answers one question: is this flow an opaque channel? */
export interface Detector {
  readonly name: string;
  readonly description: string;
  readonly isOpaque: (flow: FlowRecord) => boolean;
}

export function standardDetectors(
  options: { entropyThreshold?: number; extractor?: FeatureExtractorOptions } = {},
): Detector[] {
  const extract = createFeatureExtractor(options.extractor);
  const threshold = options.entropyThreshold ?? 7.0;
  return [
    {
      name: 'opaqueflow',
      description: 'this detector: handshakes, content magic, length-aware randomness',
      isOpaque: (f) => extract(f).verdict === 'opaque',
    },
    {
      name: 'gfw',
      description: 'GFW rule set of Wu et al. 2023 (Ex1–Ex5) on the first initiator packet',
      isOpaque: (f) => gfwBaseline(f).blocked,
    },
    {
      name: 'entropy',
      description: `Shannon entropy of the first payload bytes ≥ ${threshold} bits/byte`,
      isOpaque: (f) => entropyThresholdBaseline(f, { threshold }).opaque,
    },
  ];
}

export interface ClassFigures {
  readonly className: string;
  readonly label: string;
  readonly flows: number;
  /** Fraction of the class's flows each detector called opaque (recall for opaque classes, false-positive rate otherwise). */
  readonly opaqueRate: Readonly<Record<string, number>>;
}

export interface DetectorFigures {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly falsePositiveRate: number;
}

export interface Evaluation {
  readonly flows: number;
  readonly positives: number;
  readonly detectors: readonly Detector[];
  readonly overall: Readonly<Record<string, DetectorFigures>>;
  readonly classes: readonly ClassFigures[];
  /** Negative labels (tls, ssh, plaintext, …) pooled: false-positive rate per detector. */
  readonly labels: readonly ClassFigures[];
}

const POSITIVE = 'opaque';

export function evaluate(
  flows: readonly LabelledFlow[],
  detectors: readonly Detector[],
): Evaluation {
  const calls = flows.map((f) => detectors.map((d) => d.isOpaque(f.flow)));
  const overall: Record<string, DetectorFigures> = {};
  detectors.forEach((d, j) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    flows.forEach((f, i) => {
      const called = calls[i]?.[j] === true;
      const positive = f.label === POSITIVE;
      if (called && positive) tp++;
      else if (called) fp++;
      else if (positive) fn++;
      else tn++;
    });
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    overall[d.name] = {
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      trueNegatives: tn,
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      falsePositiveRate: fp + tn === 0 ? 0 : fp / (fp + tn),
    };
  });
  const group = (keyOf: (f: LabelledFlow) => string): ClassFigures[] => {
    const groups = new Map<string, number[]>();
    flows.forEach((f, i) => groups.set(keyOf(f), [...(groups.get(keyOf(f)) ?? []), i]));
    return [...groups.entries()]
      .map(([key, members]) => {
        const first = flows[members[0] ?? 0];
        const opaqueRate: Record<string, number> = {};
        detectors.forEach((d, j) => {
          opaqueRate[d.name] =
            members.filter((i) => calls[i]?.[j] === true).length / members.length;
        });
        return { className: key, label: first?.label ?? '', flows: members.length, opaqueRate };
      })
      .sort(
        (a, b) =>
          Number(a.label === POSITIVE) - Number(b.label === POSITIVE) ||
          a.label.localeCompare(b.label) ||
          a.className.localeCompare(b.className),
      );
  };
  return {
    flows: flows.length,
    positives: flows.filter((f) => f.label === POSITIVE).length,
    detectors,
    overall,
    classes: group((f) => f.className),
    labels: group((f) => f.label).filter((g) => g.label !== POSITIVE),
  };
}

/**
 * Whether this detector is at least as good as every baseline: F1 no lower, and on every class
 * no worse (no higher opaque rate on a negative class, no lower on an opaque one).
 */
export function regressions(evaluation: Evaluation, ours = 'opaqueflow'): string[] {
  const problems: string[] = [];
  const mine = evaluation.overall[ours];
  if (mine === undefined) return [`no detector named ${ours}`];
  for (const d of evaluation.detectors) {
    if (d.name === ours) continue;
    const theirs = evaluation.overall[d.name];
    if (theirs !== undefined && mine.f1 < theirs.f1) {
      problems.push(`F1 ${mine.f1.toFixed(3)} below ${d.name}'s ${theirs.f1.toFixed(3)}`);
    }
    for (const c of evaluation.classes) {
      const a = c.opaqueRate[ours] ?? 0;
      const b = c.opaqueRate[d.name] ?? 0;
      if (c.label === POSITIVE ? a < b : a > b) {
        problems.push(
          `${c.className}: opaque rate ${a.toFixed(3)} worse than ${d.name}'s ${b.toFixed(3)}`,
        );
      }
    }
  }
  return problems;
}

/** The flat object written to bench-results/eval-features.json. */
export function flatFigures(evaluation: Evaluation): Record<string, number> {
  const out: Record<string, number> = {
    flows: evaluation.flows,
    opaque_flows: evaluation.positives,
  };
  for (const [name, f] of Object.entries(evaluation.overall)) {
    out[`${name}_precision`] = f.precision;
    out[`${name}_recall`] = f.recall;
    out[`${name}_f1`] = f.f1;
    out[`${name}_false_positive_rate`] = f.falsePositiveRate;
  }
  for (const c of [...evaluation.classes, ...evaluation.labels]) {
    const kind = c.label === POSITIVE ? 'recall' : 'false_positive_rate';
    const scope = evaluation.labels.includes(c) ? 'label' : 'class';
    for (const [name, rate] of Object.entries(c.opaqueRate)) {
      out[`${name}_${kind}_${scope}_${c.className}`] = rate;
    }
  }
  return out;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The side-by-side table, as Markdown (printed by the CLI and pasted into the README). */
export function renderTable(evaluation: Evaluation): string {
  const names = evaluation.detectors.map((d) => d.name);
  const lines: string[] = [];
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  lines.push(row(['', ...names]));
  lines.push(row(['---', ...names.map(() => '---:')]));
  const metric = (label: string, pick: (f: DetectorFigures) => string): void => {
    lines.push(
      row([
        label,
        ...names.map((n) => {
          const f = evaluation.overall[n];
          return f === undefined ? '' : pick(f);
        }),
      ]),
    );
  };
  metric('**opaque precision**', (f) => f.precision.toFixed(3));
  metric('**opaque recall**', (f) => f.recall.toFixed(3));
  metric('**opaque F1**', (f) => `**${f.f1.toFixed(3)}**`);
  metric('false-positive rate, all negatives', (f) => pct(f.falsePositiveRate));
  for (const c of evaluation.labels) {
    lines.push(
      row([
        `FP rate, label \`${c.className}\` (${c.flows})`,
        ...names.map((n) => pct(c.opaqueRate[n] ?? 0)),
      ]),
    );
  }
  for (const c of evaluation.classes) {
    const what = c.label === POSITIVE ? 'recall' : 'FP rate';
    lines.push(
      row([
        `${what}, \`${c.className}\` (${c.flows})`,
        ...names.map((n) => pct(c.opaqueRate[n] ?? 0)),
      ]),
    );
  }
  return lines.join('\n');
}
