import { KafkaError } from '../errors.js';
import type { KafkaAdmin, TopicSpec } from './types.js';

export interface PipelineTopicNames {
  readonly flows: string;
  readonly features: string;
  readonly detections: string;
  readonly dlq: string;
}

export interface PipelineTopicOptions {
  /** Partitions of flows and features (the unit of scaling): default 12. */
  readonly partitions?: number;
  /** Default min(3, brokers): one broker in tests, three in production. */
  readonly replicationFactor: number;
  /** How long flows and features stay (default 24 h: a day of replay after an outage). */
  readonly retentionMs?: number;
}

const HOUR = 3_600_000;
const CHECKED_CONFIGS = ['cleanup.policy', 'retention.ms'] as const;

/**
 * The four topics with the settings DESIGN asks for. flows/features: keyed by flow key,
 * deleted after the retention. detections: keyed by detection id and compacted, so the
 * latest state of every detection stays readable and the query view can be rebuilt from
 * the topic. DLQ: a week, so an operator has time to look.
 */
export function pipelineTopicSpecs(
  names: PipelineTopicNames,
  options: PipelineTopicOptions,
): TopicSpec[] {
  const partitions = options.partitions ?? 12;
  const rf = options.replicationFactor;
  // With three replicas, acks=all waits for two: one broker may be down without losing a write.
  const durable: Record<string, string> = rf >= 3 ? { 'min.insync.replicas': '2' } : {};
  const retention = String(options.retentionMs ?? 24 * HOUR);
  return [
    {
      name: names.flows,
      partitions,
      replicationFactor: rf,
      configs: { ...durable, 'cleanup.policy': 'delete', 'retention.ms': retention },
    },
    {
      name: names.features,
      partitions,
      replicationFactor: rf,
      configs: { ...durable, 'cleanup.policy': 'delete', 'retention.ms': retention },
    },
    {
      name: names.detections,
      partitions: Math.max(1, Math.min(partitions, 6)),
      replicationFactor: rf,
      configs: {
        ...durable,
        'cleanup.policy': 'compact',
        // Segments roll hourly so compaction can run; an update is kept at least a minute.
        'segment.ms': String(HOUR),
        'min.compaction.lag.ms': '60000',
      },
    },
    {
      name: names.dlq,
      partitions: Math.max(1, Math.min(partitions, 3)),
      replicationFactor: rf,
      configs: { ...durable, 'cleanup.policy': 'delete', 'retention.ms': String(7 * 24 * HOUR) },
    },
  ];
}

export interface TopicFinding {
  readonly topic: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/**
 * Creates the topics that are missing, then checks every one against its spec. A wrong
 * cleanup policy is an error (a compacted flows topic loses flows; a deleting detections
 * topic loses the view). A different partition count is a warning: partitions are added
 * by operators on purpose, and never taken away.
 */
export async function ensureTopics(
  admin: KafkaAdmin,
  specs: readonly TopicSpec[],
): Promise<TopicFinding[]> {
  const names = specs.map((s) => s.name);
  const before = await admin.describeTopics(names, CHECKED_CONFIGS);
  await admin.createTopics(specs.filter((s) => before.get(s.name) === null));
  const after = await admin.describeTopics(names, CHECKED_CONFIGS);
  const findings: TopicFinding[] = [];
  for (const spec of specs) {
    const d = after.get(spec.name);
    if (d === null || d === undefined) {
      findings.push({ topic: spec.name, severity: 'error', message: 'missing after creation' });
      continue;
    }
    const policy = d.configs['cleanup.policy'];
    const wanted = spec.configs['cleanup.policy'];
    if (wanted !== undefined && policy !== undefined && !samePolicy(policy, wanted))
      findings.push({
        topic: spec.name,
        severity: 'error',
        message: `cleanup.policy is "${policy}", expected "${wanted}"`,
      });
    if (d.partitions !== spec.partitions)
      findings.push({
        topic: spec.name,
        severity: 'warning',
        message: `${d.partitions} partitions, configured ${spec.partitions}`,
      });
    if (d.replicationFactor < spec.replicationFactor)
      findings.push({
        topic: spec.name,
        severity: 'warning',
        message: `replication factor ${d.replicationFactor}, configured ${spec.replicationFactor}`,
      });
  }
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0)
    throw new KafkaError(
      'TOPIC_MISCONFIGURED',
      errors.map((e) => `${e.topic}: ${e.message}`).join('; '),
    );
  return findings;
}

function samePolicy(actual: string, wanted: string): boolean {
  const norm = (p: string) =>
    p
      .split(',')
      .map((s) => s.trim())
      .sort()
      .join(',');
  return norm(actual) === norm(wanted);
}
