import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCHEMAS_DIR, checkSchemaEvolution } from '../src/index.js';

// The CI gate for schema changes: see schemas/README.md.
test('committed schemas read data written with every version in schemas/history', () => {
  assert.deepEqual(checkSchemaEvolution({ samples: 100 }), []);
});

function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-evolution-'));
  cpSync(DEFAULT_SCHEMAS_DIR, dir, { recursive: true });
  return dir;
}

type Schema = { fields: Record<string, unknown>[] } & Record<string, unknown>;
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Schema;
const write = (path: string, s: unknown) => writeFileSync(path, JSON.stringify(s, null, 2));

test('an optional field added as v2 passes', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'Detection.avsc'));
  s.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
  write(join(dir, 'Detection.avsc'), s);
  write(join(dir, 'history/Detection/v2.avsc'), s);
  assert.deepEqual(checkSchemaEvolution({ dir, names: ['Detection'] }), []);
});

test('a required field without default fails: old data cannot be read', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'Detection.avsc'));
  s.fields.push({ name: 'tenant', type: 'string' });
  write(join(dir, 'Detection.avsc'), s);
  write(join(dir, 'history/Detection/v2.avsc'), s);
  const findings = checkSchemaEvolution({ dir, names: ['Detection'] });
  assert.equal(findings.length, 1);
  assert.match(findings[0]?.problem ?? '', /cannot read data written with v1/);
});

test('a retyped field fails', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'FlowRecord.avsc'));
  const port = s.fields.find((f) => f.name === 'srcPort');
  if (port) port.type = 'string';
  write(join(dir, 'FlowRecord.avsc'), s);
  write(join(dir, 'history/FlowRecord/v2.avsc'), s);
  assert.ok(checkSchemaEvolution({ dir, names: ['FlowRecord'] }).some((f) => /v1/.test(f.problem)));
});

test('a changed schema without a new history entry fails', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'FlowFeatures.avsc'));
  s.fields.push({ name: 'note', type: ['null', 'string'], default: null });
  write(join(dir, 'FlowFeatures.avsc'), s);
  const findings = checkSchemaEvolution({ dir, names: ['FlowFeatures'] });
  assert.match(findings[0]?.problem ?? '', /must be added as history\/FlowFeatures\/v2.avsc/);
});

test('an enum without a default fails unless closed by definition', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'FlowRecord.avsc'));
  const transport = s.fields.find((f) => f.name === 'transport') as {
    type: Record<string, unknown>;
  };
  delete transport.type.default;
  write(join(dir, 'FlowRecord.avsc'), s);
  write(join(dir, 'history/FlowRecord/v1.avsc'), s);
  const findings = checkSchemaEvolution({ dir, names: ['FlowRecord'] });
  assert.ok(findings.some((f) => /enum io.opaqueflow.Transport has no default/.test(f.problem)));
  assert.ok(!findings.some((f) => /PacketDirection/.test(f.problem)));
});

test('a shared named type that drifts between files fails', () => {
  const dir = scratchCopy();
  const s = read(join(dir, 'FlowFeatures.avsc'));
  const flow = s.fields.find((f) => f.name === 'flow') as {
    type: { fields: { name: string; type: unknown }[] };
  };
  const transport = flow.type.fields.find((f) => f.name === 'transport') as {
    type: { symbols: string[] };
  };
  transport.type.symbols = ['tcp', 'udp', 'sctp', 'other'];
  write(join(dir, 'FlowFeatures.avsc'), s);
  write(join(dir, 'history/FlowFeatures/v2.avsc'), s);
  const findings = checkSchemaEvolution({ dir, names: ['FlowRecord', 'FlowFeatures'] });
  assert.ok(
    findings.some((f) =>
      /io.opaqueflow.Transport differs from its definition in FlowRecord.avsc/.test(f.problem),
    ),
  );
});
