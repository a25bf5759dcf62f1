// Mutated valid captures: no throw escapes, every bound holds, and the counts stay sane.
// 100k cases per format in CI (OPAQUEFLOW_FUZZ_RUNS raises or lowers it; a fixed seed
// keeps CI reproducible, OPAQUEFLOW_FUZZ_SEED explores elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { flowsFromCapture, totalRejected } from '../../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const runs = Number(process.env['OPAQUEFLOW_FUZZ_RUNS'] ?? 100_000);
const seed = Number(process.env['OPAQUEFLOW_FUZZ_SEED'] ?? 0x0f10);
const PREFIX = 64;
const SAMPLES = 4;
const MAX_FLOWS = 4;

/** Byte flips, overwritten 32-bit fields (lengths are where parsers break), cuts and splices. */
function mutation(size: number): fc.Arbitrary<(input: Uint8Array) => Uint8Array> {
  const at = fc.integer({ min: 0, max: size - 1 });
  const edit = fc.oneof(
    fc.tuple(fc.constant('byte' as const), at, fc.integer({ min: 0, max: 255 })),
    fc.tuple(
      fc.constant('u32' as const),
      at,
      fc.constantFrom(0, 1, 11, 12, 0xffff, 0x7fffffff, 0xffffffff, 0x0a0d0d0a),
    ),
    fc.tuple(fc.constant('cut' as const), at, fc.constant(0)),
    fc.tuple(fc.constant('splice' as const), at, fc.integer({ min: 1, max: 64 })),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => (input: Uint8Array) => {
    let b = Uint8Array.from(input);
    for (const [kind, pos, value] of edits) {
      const p = Math.min(pos, Math.max(0, b.length - 1));
      if (kind === 'byte') b[p] = value;
      else if (kind === 'u32')
        new DataView(b.buffer).setUint32(
          Math.min(p, Math.max(0, b.length - 4)) & ~0,
          value,
          p % 2 === 0,
        );
      else if (kind === 'cut') b = b.slice(0, p);
      else {
        // Duplicate a run of bytes: shifts every later record out of its alignment.
        const run = b.slice(p, p + value);
        const next = new Uint8Array(b.length + run.length);
        next.set(b.subarray(0, p), 0);
        next.set(run, p);
        next.set(b.subarray(p), p + run.length);
        b = next;
      }
      if (b.length < 4) break;
    }
    return b;
  });
}

function check(name: string, numRuns = runs): void {
  const valid = readFileSync(join(fixtures, name));
  fc.assert(
    fc.property(mutation(valid.length), (mutate) => {
      const input = mutate(valid);
      const { flows, stats } = flowsFromCapture(input, {
        payloadPrefixBytes: PREFIX,
        packetSamples: SAMPLES,
        maxFlows: MAX_FLOWS,
      });
      assert.ok(stats.packetsRead <= input.length / 12 + 1);
      assert.ok(stats.packetsDecoded <= stats.packetsRead);
      assert.ok(flows.length <= stats.packetsDecoded);
      assert.equal(flows.length, stats.flowsEmitted);
      for (const f of flows) {
        assert.ok((f.initiatorPayload?.length ?? 0) <= PREFIX);
        assert.ok((f.responderPayload?.length ?? 0) <= PREFIX);
        assert.ok(f.packets.length <= SAMPLES);
        assert.ok(f.packetsFwd + f.packetsRev >= 1);
        assert.ok(Number.isFinite(f.startMs) && f.endMs >= f.startMs);
      }
      assert.ok(totalRejected(stats) >= 0);
    }),
    { numRuns, seed },
  );
}

test(`pcap: ${runs} mutated captures decode without throwing and within bounds`, () => {
  check('mixed.pcap');
});

test(`pcapng: ${runs} mutated captures decode without throwing and within bounds`, () => {
  check('mixed.pcapng');
});

test(`other link types and a two-interface pcapng: ${Math.ceil(runs / 5)} mutated captures each`, () => {
  for (const name of [
    'rawip.pcap',
    'null-le.pcap',
    'tcpdump-any-sll.pcap',
    'tcpdump-any-sll2.pcap',
    'two-interfaces.pcapng',
  ]) {
    check(name, Math.ceil(runs / 5));
  }
});
