// What the services export, read from where the metrics are registered: every
// createCounter / createHistogram / createGauge call (libs/telemetry) in libs/ and services/
// sources, and libs/kafka's per-stage record counters. Names follow libs/telemetry:
// opaqueflow_<stage>_<name>_total for counters, opaqueflow_<stage>_<name>_<unit> otherwise.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { ROOT } from './render.js';

/** Stages a stage-generic registration (libs/kafka consumer and producer metrics) may take. */
export const STAGES = ['ingest', 'features', 'scorer', 'query'] as const;

export interface Registered {
  /** Prometheus series name → label names it carries. */
  readonly metrics: ReadonlyMap<string, ReadonlySet<string>>;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', 'test', 'bench', 'tools'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const literal = (s: string | undefined) => /^'([^']*)'$/.exec(s?.trim() ?? '')?.[1];

function stagesOf(
  expr: string | undefined,
  file: string,
  generic: readonly string[],
): readonly string[] {
  const lit = literal(expr);
  if (lit !== undefined) return [lit];
  const ident = expr?.trim();
  if (ident && /^[A-Z_][A-Z0-9_]*$/.test(ident)) {
    const value = new RegExp(`const ${ident}\\s*=\\s*'([a-z_]+)'`).exec(file)?.[1];
    if (value !== undefined) return [value];
  }
  return generic; // a parameter: any stage a caller names
}

function labelsOf(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/'([a-z_][a-z0-9_]*)'/g)].map((m) => m[1]!);
}

/** `root`: the checkout whose sources are read (test:images reads the one it built from). */
export function registeredMetrics(root: string = ROOT): Registered {
  const metrics = new Map<string, Set<string>>();
  const add = (name: string, labels: readonly string[]) => {
    const set = metrics.get(name) ?? new Set<string>();
    for (const l of labels) set.add(l);
    metrics.set(name, set);
  };
  const base = root.endsWith('/') ? root : `${root}/`;
  const files = [...sources(`${base}libs`), ...sources(`${base}services`)];
  // Stage-generic registrations (libs/kafka's consumer and producer metrics) take the stage
  // their caller names: the services' own, and any `stage: '…'` a caller passes (the query
  // service's coverage consumer is 'query-coverage'), with dashes made underscores as
  // libs/kafka's metricStage does.
  const generic = new Set<string>(STAGES);
  for (const path of files)
    for (const m of readFileSync(path, 'utf8').matchAll(
      /\b(?:stage:\s*|const STAGE\s*=\s*)'([a-z][a-z0-9-]*)'/g,
    ))
      generic.add(m[1]!.replace(/-/g, '_'));
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/create(Counter|Histogram|Gauge)\(\s*[\w.]+,\s*\{([^}]*)\}/g)) {
      const body = m[2]!;
      const field = (k: string) => new RegExp(`\\b${k}:\\s*([^,\\n]+)`).exec(body)?.[1];
      const name = literal(field('name'));
      if (name === undefined) continue;
      const labels = labelsOf(/labels:\s*\[([^\]]*)\]/.exec(body)?.[1]);
      const stages = stagesOf(field('stage') ?? "'?'", text, [...generic]);
      for (const stage of stages) {
        if (m[1] === 'Counter')
          add(`opaqueflow_${stage}_${name.replace(/_total$/, '')}_total`, labels);
        else {
          const unit = literal(field('unit'));
          if (unit === undefined) continue;
          const base = `opaqueflow_${stage}_${name}_${unit}`;
          if (m[1] === 'Histogram') {
            add(`${base}_bucket`, [...labels, 'le']);
            add(`${base}_sum`, labels);
            add(`${base}_count`, labels);
          } else add(base, labels);
        }
      }
    }
    // libs/kafka's record counters: make('<name>', '<description>', ['<label>', …]) per stage.
    if (path.endsWith(join('libs', 'kafka', 'src', 'counters.ts')))
      for (const m of text.matchAll(/make\(\s*'(\w+)',\s*'[^']*',\s*\[([^\]]*)\]\)/g))
        for (const stage of generic) add(`opaqueflow_${stage}_${m[1]}_total`, labelsOf(m[2]));
  }
  return { metrics };
}

/** Labels Prometheus itself attaches to every scraped series. */
export const TARGET_LABELS = new Set(['job', 'instance']);
/** Series Prometheus makes itself. */
export const PROMETHEUS_SERIES = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
]);

export interface Usage {
  /** Metric name → labels the expression names for it (matchers), and grouping labels. */
  readonly selectors: { name: string; labels: string[] }[];
  readonly grouping: string[];
}

/** The series and labels a PromQL expression uses; throws on a syntax error. */
export function promqlUsage(expr: string): Usage {
  // Grafana's interval variables are durations where PromQL has one.
  const text = expr.replace(/\$__(rate_)?interval|\$__range/g, '5m');
  const tree = parser.parse(text);
  const selectors: { name: string; labels: string[] }[] = [];
  const grouping: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${expr}`);
    const node = cursor.node;
    if (node.name === 'VectorSelector') {
      const id = node.getChild('Identifier');
      const labels = node
        .getChild('LabelMatchers')
        ?.getChildren('UnquotedLabelMatcher')
        .map((m) => m.getChild('LabelName'))
        .filter((l) => l !== null)
        .map((l) => text.slice(l.from, l.to));
      if (id) selectors.push({ name: text.slice(id.from, id.to), labels: labels ?? [] });
    }
    if (node.name === 'GroupingLabels')
      for (const l of node.getChildren('LabelName')) grouping.push(text.slice(l.from, l.to));
  } while (cursor.next());
  return { selectors, grouping };
}
