import type { ScoreReason, Severity } from '@opaqueflow/flow-model';
import type { ScorerConfig, SeverityBands } from './config.js';
import type { PortBaseline } from './baseline.js';
import { directionFactor } from './network.js';
import type { PreparedItem } from './prepare.js';

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const clamp01 = (n: number): number => (n < 0 ? 0 : n > 1 ? 1 : n);

export interface FlowScore {
  readonly reasons: readonly ScoreReason[];
  /** Sum of the flow's own points (without host evidence and repetition). */
  readonly points: number;
  /** points relative to the most a single flow can earn: the host evidence it contributes. */
  readonly strength: number;
}

function reason(code: string, points: number, value: number | string, detail: string): ScoreReason {
  return { code, points: round1(points), value, detail };
}

/** Reads the checked views prepareItem made (never the raw features, which may hold undefined). */
function randomnessReason(p: PreparedItem, weight: number): ScoreReason | null {
  const dirs = [
    ['initiator', p.initiator],
    ['responder', p.responder],
  ] as const;
  for (const [name, r] of dirs) {
    if (r?.looksRandom === true)
      return reason(
        'randomness',
        weight,
        round3(r.entropy),
        `${name} payload indistinguishable from random: ${r.entropy.toFixed(2)} bits/byte over ${r.length} bytes (random data: ${r.expectedRandomEntropy.toFixed(2)})`,
      );
  }
  const best = [p.initiator, p.responder].reduce<number>(
    (m, r) => (r === null ? m : Math.max(m, r.entropy)),
    p.exporterEntropy ?? 0,
  );
  if (best >= 7)
    return reason(
      'randomness',
      weight * 0.5,
      round3(best),
      `high entropy ${best.toFixed(2)} bits/byte but not random by the length-aware test`,
    );
  return null;
}

/** The flow's own evidence: what one flow says, before host history and repetition. */
export function scoreFlow(
  p: PreparedItem,
  baseline: PortBaseline,
  config: ScorerConfig,
): FlowScore {
  const f = p.features;
  const { srcZone, dstZone } = p;
  const w = config.weights;
  const reasons: ScoreReason[] = [];
  const randomness = randomnessReason(p, w.randomness);
  if (randomness !== null) reasons.push(randomness);
  // The feature stage may recognise a protocol that has a key exchange (TLS records, an SSH
  // banner) and still find none took place: framing around random bytes is a mimic.
  const mimic = Array.isArray(f.evidence) && f.evidence.includes('no-key-exchange');
  if (!f.handshake.keyExchange || mimic)
    reasons.push(
      reason(
        'no-key-exchange',
        w.noKeyExchange,
        f.handshake.protocol,
        f.handshake.keyExchange
          ? `${f.handshake.protocol} framing seen but no key exchange took place`
          : 'no recognised key exchange or protocol in the first bytes',
      ),
    );
  if (!f.port.encryptedExpected)
    reasons.push(
      reason(
        'non-standard-port',
        w.nonStandardPort,
        f.flow.dstPort,
        `${f.flow.transport}/${f.flow.dstPort} is not a port where encrypted services are expected (${typeof f.port.ianaService === 'string' ? f.port.ianaService : 'unassigned'})`,
      ),
    );
  const snap = baseline.snapshot;
  if (baseline.neverSeen) {
    reasons.push(reason('new-port', w.newPort, 'never-seen', 'no flow seen on this port before'));
  } else if (snap.learning) {
    reasons.push(
      reason(
        'baseline-learning',
        0,
        snap.flows,
        `baseline still learning (${snap.flows} flows): rarity not judged`,
      ),
    );
  } else {
    const ratio = snap.flows === 0 ? 0 : snap.opaqueFlows / snap.flows;
    const points = w.rareOnPort * clamp01(1 - ratio / config.rareOpaqueRatio);
    if (points > 0)
      reasons.push(
        reason(
          'rare-on-port',
          points,
          round3(ratio),
          `opaque flows are ${(ratio * 100).toFixed(2)}% of ${snap.flows} flows on this port over ${Math.round(snap.windowMs / 3_600_000)} h`,
        ),
      );
  }
  const bytes = p.bytes;
  const floor = 10_000;
  if (bytes > floor) {
    const share = clamp01(Math.log(bytes / floor) / Math.log(config.volumeFullBytes / floor));
    if (share > 0)
      reasons.push(reason('volume', w.volume * share, bytes, `${bytes} bytes in the flow`));
  }
  const dir = directionFactor(srcZone, dstZone);
  if (dir > 0)
    reasons.push(
      reason(
        'direction',
        w.direction * dir,
        `${srcZone}->${dstZone}`,
        `${srcZone} source to ${dstZone} destination`,
      ),
    );
  const points = reasons.reduce((s, r) => s + r.points, 0);
  const max =
    w.randomness +
    w.noKeyExchange +
    w.nonStandardPort +
    w.rareOnPort +
    w.newPort +
    w.volume +
    w.direction;
  return { reasons, points, strength: max === 0 ? 0 : clamp01(points / max) };
}

/** Reasons that belong to the aggregate and the host rather than to one flow. */
export function contextReasons(
  flowCount: number,
  hostScore: number,
  config: ScorerConfig,
): ScoreReason[] {
  const out: ScoreReason[] = [];
  if (flowCount > 1) {
    // 2 flows give a tenth, ~1000 flows (a beacon every few seconds for an hour) all of it.
    const share = clamp01(Math.log2(flowCount) / 10);
    out.push(
      reason(
        'repetition',
        config.weights.repetition * share,
        flowCount,
        `${flowCount} flows between the same hosts and port in this window`,
      ),
    );
  }
  if (hostScore > 0)
    out.push(
      reason(
        'host-evidence',
        (config.weights.hostEvidence * hostScore) / 100,
        round1(hostScore),
        `source host evidence across flows and ports ${hostScore.toFixed(1)}/100`,
      ),
    );
  return out;
}

export function totalScore(reasons: readonly ScoreReason[]): number {
  const sum = reasons.reduce((s, r) => s + r.points, 0);
  return Math.max(0, Math.min(100, Math.round(sum)));
}

export function severityOf(score: number, bands: SeverityBands): Severity {
  if (score >= bands.critical) return 'critical';
  if (score >= bands.high) return 'high';
  if (score >= bands.medium) return 'medium';
  if (score >= bands.low) return 'low';
  return 'info';
}
