import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ROOT } from './render.js';
import { PROMETHEUS_SERIES, TARGET_LABELS, promqlUsage, registeredMetrics } from './metrics.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}
const alerts = parse(readFileSync(`${ROOT}deploy/observability/alerts.yaml`, 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
  gridPos: { x: number; y: number; w: number; h: number };
}
const dashboard = JSON.parse(
  readFileSync(`${ROOT}deploy/observability/grafana-dashboard.json`, 'utf8'),
) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } };

const registered = registeredMetrics().metrics;

/** Problems of one expression: unknown series, labels the series does not carry. */
function problems(where: string, expr: string): string[] {
  const out: string[] = [];
  const usage = promqlUsage(expr);
  const labels = new Set<string>(TARGET_LABELS);
  for (const s of usage.selectors) {
    if (PROMETHEUS_SERIES.has(s.name)) continue;
    const known = registered.get(s.name);
    if (known === undefined) {
      out.push(`${where}: ${s.name} is not a metric the services export`);
      continue;
    }
    for (const l of known) labels.add(l);
    for (const l of s.labels)
      if (!known.has(l) && !TARGET_LABELS.has(l)) out.push(`${where}: ${s.name} has no label ${l}`);
  }
  for (const l of usage.grouping)
    if (!labels.has(l)) out.push(`${where}: groups by ${l}, which none of its series carries`);
  return out;
}

const exprs = () => [
  ...alerts.groups.flatMap((g) => g.rules.map((r) => [`alert ${r.alert}`, r.expr] as const)),
  ...dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => [`panel "${p.title}" ${t.refId}`, t.expr] as const),
  ),
];

test('the services register the metrics the checks look for', () => {
  // A sanity floor: if the scan stops finding registrations, every check below would pass.
  for (const name of [
    'opaqueflow_ingest_flow_export_drops_total',
    'opaqueflow_features_records_consumed_total',
    'opaqueflow_scorer_batch_duration_seconds_bucket',
    'opaqueflow_features_consumer_lag_records',
  ])
    assert.ok(registered.has(name), name);
  assert.deepEqual(
    [...(registered.get('opaqueflow_ingest_flow_export_drops_total') ?? [])],
    ['stage', 'reason'],
  );
});

test('every dashboard and alert expression parses and uses only exported metrics and labels', () => {
  assert.ok(exprs().length > 20);
  assert.deepEqual(
    exprs().flatMap(([where, expr]) => problems(where, expr)),
    [],
  );
});

test('the metric check catches an unknown metric, a wrong label and a syntax error', () => {
  assert.match(
    problems('t', 'sum(rate(opaqueflow_scorer_detections_by_severity_total[5m]))').join(),
    /is not a metric/,
  );
  assert.match(
    problems('t', 'sum by (severity) (rate(opaqueflow_scorer_records_produced_total[5m]))').join(),
    /groups by severity/,
  );
  assert.match(
    problems('t', 'rate(opaqueflow_ingest_flow_export_drops_total{listener="x"}[5m])').join(),
    /has no label listener/,
  );
  assert.throws(
    () => promqlUsage('sum(rate(opaqueflow_ingest_records_produced_total[5m])'),
    /syntax/,
  );
});

test('the dashboard covers throughput, lag, DLQ, errors by reason, detections and latency', () => {
  assert.equal(dashboard.uid, 'opaqueflow-pipeline');
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource'));
  const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
  for (const t of [
    'throughput',
    'consumer lag',
    'dead-letter',
    'errors by reason',
    'detections',
    'latency',
  ])
    assert.match(titles, new RegExp(t), t);
  // Panels do not overlap on the grid.
  const cells = new Set<string>();
  for (const p of dashboard.panels)
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
});

test('every alert has a severity, a duration and a summary', () => {
  for (const g of alerts.groups)
    for (const r of g.rules) {
      assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, r.alert);
      assert.match(r.for ?? '', /^\d+[smh]$/, r.alert);
      assert.ok(r.annotations?.summary, r.alert);
    }
});

test('the PrometheusRule in the kustomize base carries the same groups as alerts.yaml', () => {
  const rule = parse(
    readFileSync(`${ROOT}deploy/kubernetes/base/common/prometheusrule.yaml`, 'utf8'),
  ) as { kind: string; spec: { groups: unknown } };
  assert.equal(rule.kind, 'PrometheusRule');
  assert.deepEqual(rule.spec.groups, alerts.groups);
});
