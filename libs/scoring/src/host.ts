/**
 * Per-source-host evidence. A per-flow classifier with even a small false-positive rate
 * drowns analysts at realistic base rates, where benign flows outnumber malicious ones by
 * many orders of magnitude: Axelsson, "The base-rate fallacy and the difficulty of intrusion
 * detection", ACM TISSEC 3(3), 2000. The known cure is to accumulate weak evidence per
 * entity over time, so one odd flow stays low while a host that keeps opening opaque
 * channels rises (compare sequential hypothesis testing per host in Jung, Paxson, Berger and
 * Balakrishnan, "Fast portscan detection using sequential hypothesis testing", IEEE S&P
 * 2004, and entity risk scoring in SIEMs).
 *
 * Evidence decays exponentially with event time. Stored as (value at refMs, refMs), adding
 * c at time t gives value·2^-(max(t,ref)-ref)/h + c·2^-(max(t,ref)-t)/h at max(t, ref):
 * the order of additions does not matter, so replicas that split partitions converge.
 */
export interface Evidence {
  readonly evidence: number;
  readonly refMs: number;
}

export function decayTo(e: Evidence, atMs: number, halfLifeMs: number): number {
  return atMs <= e.refMs ? e.evidence : e.evidence * Math.pow(2, -(atMs - e.refMs) / halfLifeMs);
}

export function addEvidence(e: Evidence | null, add: Evidence, halfLifeMs: number): Evidence {
  if (e === null) return add;
  if (add.refMs >= e.refMs)
    return { evidence: decayTo(e, add.refMs, halfLifeMs) + add.evidence, refMs: add.refMs };
  return { evidence: e.evidence + decayTo(add, e.refMs, halfLifeMs), refMs: e.refMs };
}

/** 0–100: 63 at evidence = scale, 95 at 3·scale. */
export function hostScoreOf(evidence: number, scale: number): number {
  return 100 * (1 - Math.exp(-Math.max(0, evidence) / scale));
}
