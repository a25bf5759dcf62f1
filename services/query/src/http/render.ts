import type { Detection, Severity } from '@opaqueflow/flow-model';
import type { TriageStatus, ViewItem } from '../view/types.js';

export type Rendering = 'json' | 'ocsf' | 'ecs';

const TECHNIQUES: Readonly<Record<string, string>> = {
  T1573: 'Encrypted Channel',
  T1571: 'Non-Standard Port',
};
const COMMAND_AND_CONTROL = { uid: 'TA0011', name: 'Command and Control' } as const;
const ANALYTIC_NAME = 'Encrypted payload without a recognisable key exchange';
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };

const iso = (ms: number): string => new Date(ms).toISOString();

/** The API's own shape: the scorer's detection, RFC 3339 times beside the epoch ones, triage. */
export function renderJson(item: ViewItem): Record<string, unknown> {
  const d = item.detection;
  return {
    ...d,
    firstSeen: iso(d.firstSeenMs),
    lastSeen: iso(d.lastSeenMs),
    triage: {
      status: item.triage.status,
      updatedAt: item.triage.updatedMs === null ? null : iso(item.triage.updatedMs),
      updatedBy: item.triage.updatedBy,
      comments: item.triage.comments.map((c) => ({
        at: iso(c.atMs),
        author: c.author,
        status: c.status,
        text: c.text,
      })),
    },
  };
}

const OCSF_SEVERITY: Readonly<Record<Severity, [number, string]>> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/** OCSF finding status: New 1, In Progress 2, Suppressed 3, Resolved 4. */
function ocsfStatus(d: Detection, triage: TriageStatus): [number, string] {
  if (triage === 'resolved' || triage === 'false_positive') return [4, 'Resolved'];
  if (d.status === 'suppressed') return [3, 'Suppressed'];
  if (triage === 'acknowledged') return [2, 'In Progress'];
  return [1, 'New'];
}

/**
 * OCSF 1.3 Detection Finding (class_uid 2004, category Findings): the ATT&CK techniques in
 * finding_info.attacks, the channel's endpoints in evidences, the score as risk_score.
 */
export function renderOcsf(item: ViewItem): Record<string, unknown> {
  const d = item.detection;
  const [severityId, severity] = OCSF_SEVERITY[d.severity];
  const [statusId, status] = ocsfStatus(d, item.triage.status);
  // Close once triaged away; Create for a detection's first flow, Update as it grows.
  const closed = item.triage.status === 'resolved' || item.triage.status === 'false_positive';
  const activityId = closed ? 3 : d.flowCount <= 1 ? 1 : 2;
  const activity = ['', 'Create', 'Update', 'Close'][activityId]!;
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    activity_name: activity,
    type_uid: 2004 * 100 + activityId,
    type_name: `Detection Finding: ${activity}`,
    time: d.updatedMs,
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    ...(item.triage.status === 'false_positive' ? { status_detail: 'false_positive' } : {}),
    is_alert: d.status !== 'suppressed',
    risk_score: Math.round(d.score),
    message: `${d.verdict} ${d.transport} channel ${d.srcAddr} -> ${d.dstAddr}:${d.dstPort} without a recognisable key exchange`,
    metadata: {
      version: '1.3.0',
      uid: d.id,
      product: { name: 'opaqueflow', vendor_name: 'opaqueflow' },
      logged_time: d.updatedMs,
    },
    finding_info: {
      uid: d.id,
      title: ANALYTIC_NAME,
      desc: d.reasons.map((r) => r.detail).join('; '),
      created_time: d.firstSeenMs,
      first_seen_time: d.firstSeenMs,
      last_seen_time: d.lastSeenMs,
      modified_time: d.updatedMs,
      analytic: { uid: d.attack.analytic, name: ANALYTIC_NAME, type_id: 1, type: 'Rule' },
      attacks: d.attack.techniques.map((t) => ({
        version: '16.1',
        tactic: COMMAND_AND_CONTROL,
        technique: { uid: t, name: TECHNIQUES[t] ?? t },
      })),
      types: [d.verdict],
    },
    evidences: [
      {
        src_endpoint: { ip: d.srcAddr },
        dst_endpoint: { ip: d.dstAddr, port: d.dstPort },
        connection_info: {
          // The detection does not say which side is ours: Unknown (0), not a guess.
          direction_id: 0,
          direction: 'Unknown',
          protocol_name: d.transport,
          ...(PROTOCOL_NUMBERS[d.transport] === undefined
            ? {}
            : { protocol_num: PROTOCOL_NUMBERS[d.transport] }),
        },
      },
    ],
    unmapped: {
      verdict: d.verdict,
      flow_count: d.flowCount,
      bytes: d.bytes,
      host_score: d.hostScore,
      reasons: d.reasons,
      exception_id: d.exceptionId,
      triage_status: item.triage.status,
    },
  };
}

const ECS_SEVERITY: Readonly<Record<Severity, number>> = {
  info: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

/** Elastic Common Schema 8: an alert event with the channel as source/destination and ATT&CK in threat. */
export function renderEcs(item: ViewItem): Record<string, unknown> {
  const d = item.detection;
  const techniques = d.attack.techniques;
  const iana = PROTOCOL_NUMBERS[d.transport];
  return {
    '@timestamp': iso(d.lastSeenMs),
    ecs: { version: '8.11.0' },
    message: `${d.verdict} ${d.transport} channel ${d.srcAddr} -> ${d.dstAddr}:${d.dstPort} without a recognisable key exchange`,
    event: {
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      type: ['connection', 'info'],
      id: d.id,
      module: 'opaqueflow',
      dataset: 'opaqueflow.detections',
      start: iso(d.firstSeenMs),
      end: iso(d.lastSeenMs),
      created: iso(d.updatedMs),
      risk_score: d.score,
      severity: ECS_SEVERITY[d.severity],
    },
    source: { ip: d.srcAddr, address: d.srcAddr },
    destination: { ip: d.dstAddr, address: d.dstAddr, port: d.dstPort },
    network: {
      transport: d.transport,
      ...(iana === undefined ? {} : { iana_number: String(iana) }),
      bytes: d.bytes,
    },
    rule: { id: d.attack.analytic, name: ANALYTIC_NAME, category: d.verdict },
    threat: {
      framework: 'MITRE ATT&CK',
      tactic: { id: [COMMAND_AND_CONTROL.uid], name: [COMMAND_AND_CONTROL.name] },
      technique: { id: [...techniques], name: techniques.map((t) => TECHNIQUES[t] ?? t) },
    },
    labels: { triage_status: item.triage.status, suppressed: String(d.status === 'suppressed') },
    opaqueflow: {
      verdict: d.verdict,
      severity: d.severity,
      flow_count: d.flowCount,
      host_score: d.hostScore,
      reasons: d.reasons,
      exception_id: d.exceptionId,
    },
  };
}

export function render(item: ViewItem, as: Rendering): Record<string, unknown> {
  return as === 'ocsf' ? renderOcsf(item) : as === 'ecs' ? renderEcs(item) : renderJson(item);
}
