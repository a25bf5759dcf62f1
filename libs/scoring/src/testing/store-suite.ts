import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { FlowFeatures } from '@opaqueflow/flow-model';
import { bucketIndexOf, summarizeTier } from '../baseline.js';
import { compileScorerConfig } from '../config.js';
import { storeUnavailable } from '../errors.js';
import type { ExceptionSource, ScoringException } from '../exceptions.js';
import { Scorer } from '../scorer.js';
import type { BatchItem } from '../prepare.js';
import { portKeyOf, type ScorerStore } from '../store-types.js';
import { itemsOf, makeFeatures } from './fixtures.js';

/** Writes exceptions the way the query service does; the store's source reads them back. */
export interface ExceptionAdmin {
  put(exception: ScoringException): Promise<unknown>;
  remove(id: string): Promise<unknown>;
}

export interface StoreHarness {
  readonly store: ScorerStore;
  /** Another handle on the same state, as a second replica would hold it. */
  openStore(): Promise<ScorerStore>;
  readonly exceptionAdmin: ExceptionAdmin;
  /** A fresh exception source on the same exceptions (one per scorer replica). */
  openExceptionSource(): Promise<ExceptionSource>;
  close(): Promise<void>;
}

/** Creates an empty, isolated state (a fresh memory store, a fresh Redis key prefix). */
export type StoreFactory = () => Promise<StoreHarness>;

import { beacon, fast, HOUR, MIN, T0, totalsOf } from './suite-helpers.js';

/**
 * The behaviour every ScorerStore must show. Runs against the memory store in the unit
 * tests and against real Redis in the integration tests.
 */
export function runStoreSuite(name: string, factory: StoreFactory): void {
  describe(`scorer behaviour on ${name}`, () => {
    const open: StoreHarness[] = [];
    const harness = async (): Promise<StoreHarness> => {
      const h = await factory();
      open.push(h);
      return h;
    };
    afterEach(async () => {
      for (const h of open.splice(0)) await h.close();
    });

    test('aggregates one beacon into one detection with counts, reasons and ATT&CK ids', async () => {
      const h = await harness();
      const scorer = new Scorer({
        config: compileScorerConfig(fast),
        store: h.store,
        clock: () => T0,
      });
      const flows = beacon(30);
      const r = await scorer.processBatch(itemsOf(flows));
      assert.equal(r.detections.length, 1);
      const d = r.detections[0]!;
      assert.equal(d.flowCount, 30);
      assert.equal(d.firstSeenMs, T0);
      assert.equal(d.lastSeenMs, T0 + 29 * 30_000 + 2_000);
      assert.equal(d.bytes, 30 * 8_200);
      assert.equal(d.sampleFlowIds.length, 10);
      assert.deepEqual(d.attack, { analytic: 'AN0404', techniques: ['T1573', 'T1571'] });
      const codes = d.reasons.map((x) => x.code);
      for (const c of [
        'randomness',
        'no-key-exchange',
        'non-standard-port',
        'direction',
        'repetition',
      ])
        assert.ok(codes.includes(c), `reason ${c} in ${codes.join(',')}`);
      // Only the first flow met a port never seen; the 29 after it met that flow's baseline.
      const firstCodes = r.itemDetections[0]?.reasons.map((x) => x.code) ?? [];
      assert.ok(firstCodes.includes('new-port'), firstCodes.join(','));
      assert.equal(r.itemDetections[0]?.flowCount, 1);
      assert.ok(!codes.includes('new-port'));
      // The last flow's baseline holds the 29 before it: out of learning, and all opaque, so
      // opaque traffic is not rare on this port.
      assert.equal(d.baseline.flows, 29);
      assert.equal(d.baseline.learning, false);
      assert.ok(!codes.includes('rare-on-port'));
      assert.deepEqual(r.itemDetections[29], d);
      assert.equal(d.reasons.find((x) => x.code === 'non-standard-port')?.value, 8444);
      assert.equal(d.reasons.find((x) => x.code === 'direction')?.value, 'internal->external');
      assert.equal(d.score, Math.round(d.reasons.reduce((s, x) => s + x.points, 0)));
      assert.equal(d.status, 'open');
      // A second batch of the same beacon updates the same detection.
      const more = await scorer.processBatch(itemsOf(beacon(5, { startMs: T0 + 20 * MIN }), 0, 30));
      assert.equal(more.detections[0]?.id, d.id);
      assert.equal(more.detections[0]?.flowCount, 35);
      assert.equal(more.detections[0]?.sampleFlowIds.length, 10);
    });

    test('raises nothing for TLS, SSH and QUIC on their standard ports', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const flows = [
        ...beacon(10, { kind: 'tls' }),
        ...beacon(10, { kind: 'ssh' }),
        ...beacon(10, { kind: 'quic' }),
        ...beacon(5, { kind: 'plaintext' }),
      ];
      const r = await scorer.processBatch(itemsOf(flows));
      assert.equal(r.detections.length, 0);
      assert.equal(r.stats.opaque, 0);
      const tls = await scorer.baseline(443, 'tcp');
      assert.equal(tls.flows, 10);
      assert.equal(tls.opaqueFlows, 0);
      const expected = flows[0]!.initiator!.entropy;
      assert.ok(
        Math.abs((tls.meanEntropy ?? 0) - expected) < 0.001,
        `mean entropy ${tls.meanEntropy}`,
      );
      assert.equal(tls.distinctSources, 1);
    });

    test('a replayed batch changes nothing and still re-emits its detections', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const items = itemsOf([...beacon(20), ...beacon(10, { kind: 'tls' })], 3, 100);
      const first = await scorer.processBatch(items);
      const before = await totalsOf(scorer, h.store, items);
      const again = await scorer.processBatch(items);
      assert.equal(again.stats.appliedUpdates, 0);
      assert.deepEqual(await totalsOf(scorer, h.store, items), before);
      assert.equal(again.detections[0]?.id, first.detections[0]?.id);
      assert.equal(again.detections[0]?.flowCount, 20);
      // An overlapping re-fetch (offsets 110..139) adds only the unseen tail.
      const overlap = itemsOf(beacon(30, { startMs: T0 }), 3, 110);
      const r = await scorer.processBatch(overlap);
      assert.equal(r.detections[0]?.flowCount, 20 + 20);
      assert.deepEqual(r.commits, [
        { topic: 'opaqueflow.features.v1', partition: 3, offset: '140' },
      ]);
    });

    test('two instances splitting the partitions leave the same totals as one', async () => {
      const config = compileScorerConfig(fast);
      const flows: FlowFeatures[] = [];
      for (let i = 0; i < 120; i++) {
        const kind = i % 3 === 0 ? 'opaque' : i % 3 === 1 ? 'tls' : 'ssh';
        flows.push(
          makeFeatures({
            kind,
            src: `10.1.0.${i % 7}`,
            dst: `198.51.100.${i % 5}`,
            dstPort: kind === 'opaque' ? 9000 + (i % 4) : undefined,
            startMs: T0 + i * 20_000,
            srcPort: 30_000 + i,
          }),
        );
      }
      // Four partitions, keyed as Kafka would (by flow), each in offset order.
      const partitions: BatchItem[][] = [[], [], [], []];
      flows.forEach((f, i) => {
        const p = partitions[i % 4]!;
        p.push(...itemsOf([f], i % 4, p.length));
      });
      const batches = (parts: number[]) =>
        parts.flatMap((p) => {
          const list = partitions[p]!;
          return [list.slice(0, 15), list.slice(15)];
        });
      const single = await harness();
      const one = new Scorer({ config, store: single.store });
      for (const b of batches([0, 1, 2, 3])) await one.processBatch(b);

      const split = await harness();
      const a = new Scorer({ config, store: split.store });
      const b = new Scorer({ config, store: await split.openStore() });
      const [aBatches, bBatches] = [batches([0, 2]), batches([1, 3])];
      for (let i = 0; i < Math.max(aBatches.length, bBatches.length); i++) {
        await Promise.all([
          aBatches[i] === undefined ? null : a.processBatch(aBatches[i]!),
          bBatches[i] === undefined ? null : b.processBatch(bBatches[i]!),
        ]);
      }
      const all = partitions.flat();
      const [splitTotals, oneTotals] = [
        await totalsOf(a, split.store, all),
        await totalsOf(one, single.store, all),
      ];
      // Counts must match exactly. Host evidence is a heuristic whose "new channel" weight
      // depends on which replica saw an aggregate first, so it is not compared.
      assert.deepEqual(splitTotals.baselines, oneTotals.baselines);
      assert.deepEqual(splitTotals.aggregates, oneTotals.aggregates);
      assert.equal(Object.keys(oneTotals.aggregates).length > 0, true);
      const base = await a.baseline(443, 'tcp', null, T0 + 2 * HOUR);
      assert.equal(base.flows, 40);
      assert.equal(base.distinctSources, 7);
    });

    test('windows slide: minute buckets leave the hour window, hour buckets the week', async () => {
      const h = await harness();
      const config = compileScorerConfig(fast);
      const scorer = new Scorer({ config, store: h.store });
      await scorer.processBatch(itemsOf(beacon(10, { kind: 'tls' }, 1_000)));
      const key = portKeyOf(443, 'tcp', null);
      const read = async () =>
        (
          await h.store.read({
            ports: [{ key, pids: [] }],
            aggregates: [],
            hosts: [],
            tierCount: 2,
          })
        ).ports.get(key);
      let state = await read();
      assert.equal(summarizeTier(state?.tiers[0], config.tiers[0]!, T0 + 5 * MIN).flows, 10);
      assert.equal(summarizeTier(state?.tiers[0], config.tiers[0]!, T0 + 61 * MIN).flows, 0);
      assert.equal(summarizeTier(state?.tiers[1], config.tiers[1]!, T0 + 61 * MIN).flows, 10);
      // A flow eight days later moves the port's event time on; old buckets are dropped.
      await scorer.processBatch(
        itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 8 * 24 * HOUR })], 0, 10),
      );
      state = await read();
      assert.equal((await scorer.baseline(443, 'tcp')).flows, 1);
      assert.ok(
        ![...(state?.tiers[0]?.keys() ?? [])].includes(bucketIndexOf(T0, config.tiers[0]!)),
      );
      assert.ok(
        ![...(state?.tiers[1]?.keys() ?? [])].includes(bucketIndexOf(T0, config.tiers[1]!)),
      );
      assert.equal(state?.tiers[1]?.size, 1);
    });

    test('late flows land in their own bucket; too-late flows are counted, not baselined', async () => {
      const h = await harness();
      const config = compileScorerConfig({ ...fast, allowedLatenessMs: 5 * MIN });
      const scorer = new Scorer({ config, store: h.store });
      await scorer.processBatch(itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 30 * MIN })]));
      const late = await scorer.processBatch(
        itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 27 * MIN })], 0, 1),
      );
      assert.equal(late.stats.tooLate, 0);
      const tooLate = await scorer.processBatch(
        itemsOf(
          [
            makeFeatures({ startMs: T0 + 10 * MIN }),
            makeFeatures({ kind: 'tls', startMs: T0 + 11 * MIN }),
          ],
          0,
          2,
        ),
      );
      assert.equal(tooLate.stats.tooLate, 2);
      assert.equal(tooLate.detections.length, 1, 'a too-late opaque flow is still scored');
      const key = portKeyOf(443, 'tcp', null);
      const state = (
        await h.store.read({ ports: [{ key, pids: [] }], aggregates: [], hosts: [], tierCount: 2 })
      ).ports.get(key);
      const minute = state?.tiers[0];
      assert.equal(minute?.get(bucketIndexOf(T0 + 27 * MIN + 2_000, config.tiers[0]!))?.flows, 1);
      assert.equal(minute?.get(bucketIndexOf(T0 + 30 * MIN + 2_000, config.tiers[0]!))?.flows, 1);
      assert.equal(minute?.get(bucketIndexOf(T0 + 11 * MIN + 2_000, config.tiers[0]!)), undefined);
      assert.equal((await scorer.baseline(443, 'tcp')).flows, 2);
    });

    test('a replica that takes a partition over after a rebalance finds its lateness watermark', async () => {
      const h = await harness();
      const config = compileScorerConfig({ ...fast, allowedLatenessMs: 5 * MIN });
      const before = new Scorer({ config, store: h.store });
      await before.processBatch(
        itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 30 * MIN, srcPort: 1 })], 0, 0),
      );
      // The partition moves to a fresh replica: it has never seen a flow of it.
      const after = new Scorer({ config, store: await h.openStore() });
      const r = await after.processBatch([
        ...itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 10 * MIN, srcPort: 2 })], 0, 1),
        // Another partition's watermark is its own: this flow is not late.
        ...itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 10 * MIN, srcPort: 3 })], 1, 0),
      ]);
      assert.equal(r.stats.tooLate, 1);
      assert.equal((await after.baseline(443, 'tcp')).flows, 2);
    });

    test('a batch retried after its apply ran meets the lateness its first attempt met', async () => {
      const h = await harness();
      const config = compileScorerConfig({ ...fast, allowedLatenessMs: 5 * MIN });
      let failOnce = true;
      // The apply reaches the store, then the answer is lost (a connection reset).
      const lost: ScorerStore = {
        read: (r) => h.store.read(r),
        apply: async (r) => {
          const out = await h.store.apply(r);
          if (!failOnce) return out;
          failOnce = false;
          throw storeUnavailable('connection reset after apply');
        },
        close: () => h.store.close(),
      };
      const scorer = new Scorer({ config, store: lost });
      const batch = itemsOf(
        Array.from({ length: 11 }, (_, i) =>
          makeFeatures({ kind: 'tls', startMs: T0 + i * MIN, srcPort: 40_000 + i }),
        ),
        0,
        100,
      );
      await assert.rejects(scorer.processBatch(batch));
      // Its own flows moved the stored watermark to T0+10min; the retry meets the one before.
      const retried = await scorer.processBatch(batch);
      assert.equal(retried.stats.tooLate, 0);
      assert.equal((await scorer.baseline(443, 'tcp')).flows, 11);
      // The next batch meets the moved watermark: a flow 8 minutes behind it is too late.
      const next = await scorer.processBatch(
        itemsOf([makeFeatures({ kind: 'tls', startMs: T0 + 2 * MIN, srcPort: 1 })], 0, 111),
      );
      assert.equal(next.stats.tooLate, 1);
    });

    test('exceptions suppress, keep the detection, expire, and reach a second replica within 5 s', async () => {
      const h = await harness();
      let now = T0;
      const config = compileScorerConfig({ ...fast, exceptionPollMs: 1000 });
      const a = new Scorer({
        config,
        store: h.store,
        exceptions: await h.openExceptionSource(),
        clock: () => now,
      });
      const b = new Scorer({
        config,
        store: await h.openStore(),
        exceptions: await h.openExceptionSource(),
      });
      const wg = (i: number) =>
        makeFeatures({
          dst: '192.0.2.10',
          dstPort: 7000,
          transport: 'udp',
          startMs: T0 + i * 1000,
          srcPort: 40_000 + i,
        });
      await a.processBatch(itemsOf([wg(0)], 0, 0));
      await b.processBatch(itemsOf([wg(1)], 1, 0));
      const added = Date.now();
      const expiresAtMs = added + HOUR;
      await h.exceptionAdmin.put({
        id: 'exc-vpn',
        dstCidrs: ['192.0.2.0/24'],
        ports: [7000],
        transport: 'udp',
        protocols: [],
        reason: 'approved site-to-site tunnel',
        author: 'soc@example.com',
        createdAtMs: T0,
        expiresAtMs,
      });
      now += 1_500;
      const r = await a.processBatch(itemsOf([wg(2)], 0, 1));
      assert.equal(r.detections[0]?.status, 'suppressed');
      assert.equal(r.detections[0]?.exceptionId, 'exc-vpn');
      assert.equal(r.stats.suppressed, 1);
      // The second replica polls on the real clock: the change must land within 5 s.
      let offset = 1;
      for (;;) {
        const rb = await b.processBatch(itemsOf([wg(10 + offset)], 1, offset++));
        if (rb.detections[0]?.status === 'suppressed') break;
        assert.ok(Date.now() - added < 5_000, 'second replica applied the exception within 5 s');
        await new Promise((res) => setTimeout(res, 100));
      }
      // Expired: flows are open again.
      now = expiresAtMs + 1;
      const expired = await a.processBatch(itemsOf([wg(3)], 0, 2));
      assert.equal(expired.detections[0]?.status, 'open');
      assert.equal(expired.detections[0]?.exceptionId, null);
      a.close();
      b.close();
    });

    test('learning period first, then rarity of opaque traffic on the port', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const first = await scorer.processBatch(
        itemsOf([makeFeatures({ dstPort: 8443, transport: 'tcp' })]),
      );
      assert.ok(first.detections[0]?.reasons.some((r) => r.code === 'new-port'));
      // Forty minutes of ordinary traffic on the port, then an opaque flow.
      const normal = Array.from({ length: 60 }, (_, i) =>
        makeFeatures({
          kind: 'tls',
          dstPort: 8443,
          startMs: T0 + i * 40_000,
          src: `10.2.0.${i % 20}`,
        }),
      );
      await scorer.processBatch(itemsOf(normal, 0, 1));
      const later = await scorer.processBatch(
        itemsOf([makeFeatures({ dstPort: 8443, startMs: T0 + 41 * MIN, src: '10.3.3.3' })], 0, 61),
      );
      const reasons = later.detections[0]?.reasons ?? [];
      assert.ok(!reasons.some((r) => r.code === 'new-port' || r.code === 'baseline-learning'));
      const rare = reasons.find((r) => r.code === 'rare-on-port');
      assert.ok(rare !== undefined && typeof rare.value === 'number' && rare.value < 0.05);
      assert.equal(later.detections[0]?.baseline.learning, false);
      assert.equal(later.detections[0]?.baseline.flows, 61);
    });

    test('host evidence: one odd flow stays low, a host opening many channels rises', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const one = await scorer.processBatch(itemsOf([makeFeatures({ src: '10.5.0.1' })]));
      const single = one.detections[0]!;
      assert.ok(single.hostScore < 30, `one flow: host ${single.hostScore}`);
      assert.notEqual(single.severity, 'critical');
      const channels = Array.from({ length: 12 }, (_, i) =>
        makeFeatures({
          src: '10.5.0.2',
          dst: `198.51.100.${i + 1}`,
          dstPort: 6000 + i,
          startMs: T0 + i * MIN,
        }),
      );
      const many = await scorer.processBatch(itemsOf(channels, 0, 1));
      const last = many.detections.find((d) => d.dstPort === 6011)!;
      assert.ok(last.hostScore > 80, `many channels: host ${last.hostScore}`);
      assert.ok(last.score > single.score);
      assert.ok(last.reasons.some((r) => r.code === 'host-evidence'));
      // A day later the evidence has decayed.
      const dayLater = await scorer.processBatch(
        itemsOf([makeFeatures({ src: '10.5.0.2', dstPort: 6100, startMs: T0 + 24 * HOUR })], 0, 13),
      );
      assert.ok(dayLater.detections[0]!.hostScore < last.hostScore / 2);
    });

    test('outbound from a sensitive segment weighs most', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const r = await scorer.processBatch(
        itemsOf([
          makeFeatures({ src: '10.9.1.1', dst: '203.0.113.9', dstPort: 7001 }),
          makeFeatures({ src: '10.1.1.1', dst: '203.0.113.9', dstPort: 7002 }),
          makeFeatures({ src: '203.0.113.9', dst: '10.1.1.1', dstPort: 7003 }),
        ]),
      );
      const dir = (port: number) =>
        r.detections.find((d) => d.dstPort === port)?.reasons.find((x) => x.code === 'direction');
      assert.equal(dir(7001)?.value, 'sensitive->external');
      assert.ok(dir(7001)!.points > dir(7002)!.points);
      assert.ok(dir(7002)!.points > dir(7003)!.points);
    });

    test('malformed items are rejected with a reason, never thrown, and still committed', async () => {
      const h = await harness();
      const scorer = new Scorer({ config: compileScorerConfig(fast), store: h.store });
      const good = makeFeatures();
      const hostile = {
        get flow(): never {
          throw new Error('boom');
        },
      } as unknown as FlowFeatures;
      const items: BatchItem[] = [
        {
          features: { ...good, flow: { ...good.flow, dstPort: 70_000 } },
          source: { topic: 't', partition: 0, offset: '5' },
        },
        {
          features: { ...good, flow: { ...good.flow, srcAddr: 'not-an-ip' } },
          source: { topic: 't', partition: 0, offset: '6' },
        },
        { features: hostile, source: { topic: 't', partition: 0, offset: '7' } },
        { features: good, source: { topic: 't', partition: 0, offset: 'x' } },
        { features: good, source: { topic: 't', partition: 0, offset: '8' } },
      ];
      const r = await scorer.processBatch(items);
      assert.deepEqual(
        r.rejected.map((x) => x.reason),
        ['invalid-dst-port', 'invalid-src-addr', 'unreadable-item', 'invalid-source-offset'],
      );
      assert.equal(r.detections.length, 1);
      assert.deepEqual(r.commits, [{ topic: 't', partition: 0, offset: '9' }]);
    });
  });
}
