import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manyFlowsPcap } from './many-flows.js';
import { run } from './cli.js';

test('analyze takes a 200,000-flow capture (nothing depends on argument-list size)', () => {
  const flows = 200_000;
  const file = join(mkdtempSync(join(tmpdir(), 'opaqueflow-big-')), 'many.pcap');
  writeFileSync(file, manyFlowsPcap(flows));
  // The table format: every detection row, widths folded over all of them.
  const r = run('analyze', file);
  assert.equal(r.status, 0, r.stderr);
  const m = /analyzed ([\d,]+) TCP\/UDP flows from 1 file: ([\d,]+) of them in detections/.exec(
    r.stderr,
  );
  assert.ok(m, r.stderr);
  assert.equal(Number(m[1]!.replace(/,/g, '')), flows);
  const detections = Number(m[2]!.replace(/,/g, ''));
  assert.equal(r.stdout.trimEnd().split('\n').length, 1 + detections, 'header and one line each');
});
