import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_LIMITS, fuzzDecoder, type FuzzTarget } from './fuzz-harness.js';

// 100k mutated inputs per decoder on every CI run; `pnpm fuzz:decoders` runs longer.
const RUNS = Number(
  process.env['FLOW_EXPORT_FUZZ_RUNS'] ?? process.env['OPAQUEFLOW_FUZZ_RUNS'] ?? 100_000,
);

for (const target of ['netflow5', 'netflow9', 'ipfix', 'sflow'] as FuzzTarget[]) {
  test(`${target}: ${RUNS} mutated packets, no throw, caches bounded`, () => {
    const outcome = fuzzDecoder(target, RUNS);
    assert.equal(outcome.cases, RUNS);
    assert.equal(outcome.internalErrors, 0);
    assert.ok(outcome.maxTemplatesHeld <= FUZZ_LIMITS.maxTemplatesPerDomain);
    assert.ok(outcome.sflowFlowsOpen <= FUZZ_LIMITS.sflowMaxFlows);
    // Mutations leave many packets intact enough to decode: the fuzz reaches the record path.
    assert.ok(outcome.records > 0, `${target} fuzz decoded no records`);
    if (target === 'netflow9' || target === 'ipfix') {
      // The mutations announce enough templates to push every exporter past its bound.
      assert.ok(outcome.templateEvictions > 0, 'the template bound was never reached');
    }
  });
}
