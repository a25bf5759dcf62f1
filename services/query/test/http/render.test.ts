// OCSF and ECS renderings checked against the published schemas (fixtures regenerated from
// ocsf/ocsf-schema and elastic/ecs by test/fixtures/refresh-schemas.mjs), not against ourselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderEcs, renderOcsf } from '../../src/http/render.js';
import type { ViewItem } from '../../src/view/types.js';
import { makeDetection } from '../fixtures.js';

interface OcsfAttr {
  requirement: string;
  type: string | null;
  isArray: boolean;
  enum?: number[];
  profile?: string;
}
const ocsf = JSON.parse(
  readFileSync(new URL('../fixtures/ocsf-detection-finding.json', import.meta.url), 'utf8'),
) as {
  classUid: number;
  categoryUid: number;
  attributes: Record<string, OcsfAttr>;
  objects: Record<string, Record<string, OcsfAttr>>;
};
const ecs = JSON.parse(
  readFileSync(new URL('../fixtures/ecs-fields.json', import.meta.url), 'utf8'),
) as {
  fields: Record<string, string>;
  allowed: Record<string, string[]>;
};

const SCALARS: Record<string, (v: unknown) => boolean> = {
  integer_t: (v) => Number.isInteger(v),
  long_t: (v) => Number.isInteger(v),
  timestamp_t: (v) => Number.isInteger(v),
  float_t: (v) => typeof v === 'number',
  boolean_t: (v) => typeof v === 'boolean',
  port_t: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535,
  ip_t: (v) => typeof v === 'string',
};

/** Problems of one OCSF object against its definition, with paths. */
function checkOcsf(
  value: Record<string, unknown>,
  attrs: Record<string, OcsfAttr>,
  path: string,
  out: string[],
): void {
  for (const [name, a] of Object.entries(attrs))
    if (a.requirement === 'required' && a.profile === undefined && !(name in value))
      out.push(`${path}${name}: required, missing`);
  for (const [name, v] of Object.entries(value)) {
    const a = attrs[name];
    if (a === undefined) {
      out.push(`${path}${name}: not an attribute of this object`);
      continue;
    }
    const items = a.isArray
      ? Array.isArray(v)
        ? v
        : (out.push(`${path}${name}: must be an array`), [])
      : [v];
    for (const item of items) {
      if (a.enum !== undefined && a.enum.length > 1 && !a.enum.includes(item as number))
        out.push(`${path}${name}: ${String(item)} not in its enum`);
      const t = a.type ?? '';
      if (ocsf.objects[t] !== undefined)
        checkOcsf(item as Record<string, unknown>, ocsf.objects[t], `${path}${name}.`, out);
      else if (t === 'object') assert.equal(typeof item, 'object');
      else if (SCALARS[t] !== undefined && !SCALARS[t](item))
        out.push(`${path}${name}: ${JSON.stringify(item)} is not ${t}`);
      else if (t.startsWith('string') && typeof item !== 'string')
        out.push(`${path}${name}: not a string`);
    }
  }
}

const item = (status: ViewItem['triage']['status'], flowCount = 1): ViewItem => ({
  detection: makeDetection({
    src: '10.0.0.5',
    dst: '2001:db8::9',
    dstPort: 8388,
    flowCount,
    score: 72.5,
  }),
  triage: { status, updatedMs: null, updatedBy: null, comments: [] },
});

test('OCSF rendering is a valid Detection Finding: every attribute defined, required ones present, enums kept', () => {
  for (const it of [
    item('new'),
    item('acknowledged', 5),
    item('false_positive'),
    item('resolved', 3),
  ]) {
    const f = renderOcsf(it);
    assert.equal(f.class_uid, ocsf.classUid);
    assert.equal(f.category_uid, ocsf.categoryUid);
    assert.equal(f.type_uid, ocsf.classUid * 100 + (f.activity_id as number));
    const problems: string[] = [];
    checkOcsf(f, ocsf.attributes, '', problems);
    assert.deepEqual(problems, [], `${it.triage.status}: ${problems.join('; ')}`);
  }
});

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix === '' ? k : `${prefix}.${k}`, out);
  } else out.set(prefix, v);
}

test('ECS rendering uses ECS fields only (custom ones under opaqueflow.*), with allowed categorisation values', () => {
  const doc = renderEcs(item('new'));
  const flat = new Map<string, unknown>();
  flatten(doc, '', flat);
  const unknown = [...flat.keys()].filter(
    (k) => !k.startsWith('opaqueflow.') && !k.startsWith('labels.') && ecs.fields[k] === undefined,
  );
  assert.deepEqual(unknown, []);
  assert.equal(ecs.fields.labels, 'object');
  assert.ok(ecs.allowed['event.kind']!.includes(flat.get('event.kind') as string));
  for (const c of flat.get('event.category') as string[])
    assert.ok(ecs.allowed['event.category']!.includes(c), c);
  for (const t of flat.get('event.type') as string[])
    assert.ok(ecs.allowed['event.type']!.includes(t), t);
  assert.equal(flat.get('event.kind'), 'alert');
  assert.deepEqual(flat.get('threat.technique.id'), ['T1573', 'T1571']);
  assert.equal(flat.get('network.transport'), 'tcp');
  assert.equal(flat.get('destination.port'), 8388);
  assert.equal(ecs.fields['destination.port'], 'long');
  assert.ok(Number.isInteger(flat.get('event.severity')));
  assert.equal(typeof flat.get('event.risk_score'), 'number');
  assert.equal(ecs.fields['event.risk_score'], 'float');
});
