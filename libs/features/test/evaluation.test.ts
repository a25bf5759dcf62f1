// Runs the `pnpm eval:features` evaluation on the committed corpus: the behaviour users care
// about is that the opaque verdict beats the published GFW rule set and a plain entropy
// threshold, overall and on every class.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  canonicalAddress,
  evaluate,
  loadCorpus,
  regressions,
  standardDetectors,
  type LabelledFlow,
} from '../tools/evaluation.js';
import { flowOf, seededBytes } from './flow.js';

const labelsPath = fileURLToPath(new URL('../../../test/corpus/labels.json', import.meta.url));

test('on the committed corpus this detector is at least as good as both baselines on every class', () => {
  const corpus = loadCorpus(labelsPath);
  assert.deepEqual(corpus.unmatchedLabels, [], 'every label decodes to a flow');
  assert.ok(corpus.flows.length >= 50);
  const evaluation = evaluate(corpus.flows, standardDetectors());
  assert.ok(evaluation.positives > 0 && evaluation.positives < evaluation.flows);
  const ours = evaluation.overall.opaqueflow;
  const gfw = evaluation.overall.gfw;
  const entropy = evaluation.overall.entropy;
  assert.ok(ours && gfw && entropy);
  assert.ok(ours.f1 >= gfw.f1, `F1 ${ours.f1} < GFW ${gfw.f1}`);
  assert.ok(ours.f1 >= entropy.f1, `F1 ${ours.f1} < entropy ${entropy.f1}`);
  assert.deepEqual(regressions(evaluation), []);
});

test('the metrics count what they should', () => {
  const opaque = (i: number): LabelledFlow => ({
    flow: flowOf({ initiator: seededBytes(64, i) }),
    label: 'opaque',
    className: 'o',
  });
  const plain = (i: number): LabelledFlow => ({
    flow: flowOf({ initiator: seededBytes(64, 100 + i) }),
    label: 'plaintext',
    className: 'p',
  });
  const flows = [opaque(1), opaque(2), opaque(3), plain(1), plain(2)];
  // A detector that calls the first flow of each class opaque, by identity.
  const picked = new Set([flows[0]?.flow, flows[3]?.flow]);
  const evaluation = evaluate(flows, [
    { name: 'x', description: '', isOpaque: (f) => picked.has(f) },
  ]);
  const x = evaluation.overall.x;
  assert.ok(x);
  assert.equal(x.truePositives, 1);
  assert.equal(x.falsePositives, 1);
  assert.equal(x.falseNegatives, 2);
  assert.equal(x.trueNegatives, 1);
  assert.equal(x.precision, 0.5);
  assert.equal(x.recall, 1 / 3);
  assert.ok(Math.abs(x.f1 - 0.4) < 1e-12);
  assert.equal(evaluation.classes.find((c) => c.className === 'p')?.opaqueRate.x, 0.5);
  // Against itself nothing regresses; against a detector that is always right, everything does.
  const both = evaluate(flows, [
    { name: 'opaqueflow', description: '', isOpaque: (f) => picked.has(f) },
    {
      name: 'oracle',
      description: '',
      isOpaque: (f) => flows.find((l) => l.flow === f)?.label === 'opaque',
    },
  ]);
  assert.equal(regressions(both).length, 3);
});

test('addresses compare in canonical form', () => {
  assert.equal(canonicalAddress('2001:db8:1::3'), '2001:0db8:0001:0000:0000:0000:0000:0003');
  assert.equal(canonicalAddress('2001:DB8:1:0:0:0:0:3'), canonicalAddress('2001:db8:1::3'));
  assert.equal(canonicalAddress('::1'), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(canonicalAddress('10.1.0.1'), '10.1.0.1');
});
