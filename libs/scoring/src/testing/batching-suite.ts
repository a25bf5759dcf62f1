import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Detection, FlowFeatures } from '@opaqueflow/flow-model';
import { compileScorerConfig } from '../config.js';
import type { BatchItem } from '../prepare.js';
import { Scorer } from '../scorer.js';
import { makeFeatures } from './fixtures.js';
import { fast, MIN, T0, totalsOf } from './suite-helpers.js';
import type { StoreFactory } from './store-suite.js';

const flowArb = fc.record({
  kind: fc.constantFrom('opaque', 'opaque', 'opaque', 'tls', 'ssh'),
  src: fc.integer({ min: 1, max: 4 }),
  dst: fc.integer({ min: 1, max: 3 }),
  port: fc.constantFrom(443, 7001, 8444),
  atMs: fc.integer({ min: 0, max: 90 * MIN }),
  durationMs: fc.integer({ min: 0, max: 5 * MIN }),
  bytes: fc.integer({ min: 0, max: 3_000_000 }),
  partition: fc.integer({ min: 0, max: 2 }),
});
type FlowSpec = typeof flowArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The flows as the topic delivers them: in event-time order, offsets per partition. Flows
 * tied on event and start time across partitions are delivered in partition order: the
 * tie-break the scorer uses within a batch (a stream that delivers such ties the other way
 * round can see those tied flows judged in another order when a batch boundary falls
 * between them).
 */
function streamOf(specs: readonly FlowSpec[]): BatchItem[] {
  const flows = specs.map((s, i) => ({
    s,
    f: makeFeatures({
      kind: s.kind,
      src: `10.7.0.${s.src}`,
      dst: `203.0.113.${s.dst}`,
      dstPort: s.port,
      srcPort: 10_000 + i,
      startMs: T0 + s.atMs,
      durationMs: s.durationMs,
      bytesFwd: s.bytes,
    }),
  }));
  // The scorer's order: event time, start, then (for flows tied on both) source partition
  // and offset. Offsets follow this order within a partition, as Kafka's do.
  flows.sort(
    (a, b) =>
      a.f.flow.endMs - b.f.flow.endMs ||
      a.f.flow.startMs - b.f.flow.startMs ||
      a.s.partition - b.s.partition ||
      a.f.flow.srcPort - b.f.flow.srcPort,
  );
  const next = [0, 0, 0];
  return flows.map(({ s, f }) => ({
    features: f satisfies FlowFeatures,
    source: {
      topic: 'opaqueflow.features.v1',
      partition: s.partition,
      offset: String(next[s.partition]!++),
    },
  }));
}

/** Contiguous batches of the stream, cut before each given index. */
function split<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.map((c) => c % Math.max(1, items.length)))]
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const c of [...at, items.length]) {
    out.push(items.slice(from, c));
    from = c;
  }
  return out;
}

interface Run {
  /** Per stream position: the detection right after that flow (null: none). */
  readonly perFlow: (Detection | null)[];
  /** Per detection id: the last version the topic received. */
  readonly last: Map<string, Detection>;
  readonly totals: unknown;
}

/**
 * The same flows give the same detections however they are batched: a property over random
 * splits of one stream (1 batch of N judges as N batches of 1), and a replay of part of it
 * changes no stored total and re-emits what the store holds. Runs on any ScorerStore.
 */
export function runBatchingProperty(name: string, factory: StoreFactory, numRuns: number): void {
  test(`scores do not depend on batch boundaries, and a replay changes nothing (${name})`, async () => {
    const config = compileScorerConfig({ ...fast, aggregation: { windowMs: 30 * MIN } });
    const run = async (
      items: readonly BatchItem[],
      cuts: readonly number[],
      replay: readonly [number, number, readonly number[]] | null,
    ): Promise<Run & { replayed: Detection[] }> => {
      const h = await factory();
      try {
        const scorer = new Scorer({ config, store: h.store, clock: () => T0 });
        const perFlow: (Detection | null)[] = [];
        const last = new Map<string, Detection>();
        for (const batch of split(items, cuts)) {
          const r = await scorer.processBatch(batch);
          perFlow.push(...r.itemDetections);
          for (const d of r.detections) last.set(d.id, d);
          assert.equal(r.detections.length, new Set(r.detections.map((d) => d.id)).size);
        }
        const totals = await totalsOf(scorer, h.store, items);
        const replayed: Detection[] = [];
        if (replay !== null) {
          const [from, to, replayCuts] = replay;
          for (const batch of split(items.slice(from, to), replayCuts)) {
            const r = await scorer.processBatch(batch);
            assert.equal(r.stats.appliedUpdates, 0, 'a replay applies nothing');
            replayed.push(...r.detections);
          }
          assert.deepEqual(await totalsOf(scorer, h.store, items), totals);
        }
        scorer.close();
        return { perFlow, last, totals, replayed };
      } finally {
        await h.close();
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(flowArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.tuple(fc.nat(), fc.nat(), fc.array(fc.nat(), { maxLength: 4 })),
        async (specs, cutsA, cutsB, [r1, r2, replayCuts]) => {
          const items = streamOf(specs);
          const one = await run(items, [], null);
          const a = await run(items, cutsA, null);
          const from = r1 % items.length;
          const to = from + 1 + (r2 % (items.length - from));
          const b = await run(items, cutsB, [from, to, replayCuts]);
          const singles = await run(
            items,
            items.map((_, i) => i),
            null,
          );
          for (const other of [a, b, singles]) {
            assert.deepEqual(other.perFlow, one.perFlow);
            assert.deepEqual(other.last, one.last);
            assert.deepEqual(other.totals, one.totals);
          }
          // What a replay re-emits is what the store holds: never less than was emitted.
          for (const d of b.replayed) {
            const final = one.last.get(d.id)!;
            assert.deepEqual(
              [d.flowCount, d.bytes, d.firstSeenMs, d.lastSeenMs, d.sampleFlowIds],
              [
                final.flowCount,
                final.bytes,
                final.firstSeenMs,
                final.lastSeenMs,
                final.sampleFlowIds,
              ],
            );
          }
        },
      ),
      { numRuns },
    );
  });
}
