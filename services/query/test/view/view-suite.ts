// One behaviour suite for both views: the in-memory one (unit run) and Redis (integration run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Detection } from '@opaqueflow/flow-model';
import type {
  DetectionFilter,
  DetectionView,
  PageRequest,
  SortKey,
  SortOrder,
} from '../../src/view/types.js';
import { parseCidrOrAddress } from '../../src/view/filter.js';
import { T0, makeDetection } from '../fixtures.js';

export type MakeView = (options: {
  retentionMs: number;
  clock?: () => number;
}) => Promise<DetectionView>;

const DAY = 86_400_000;

async function all(
  view: DetectionView,
  filter: DetectionFilter,
  sort: SortKey = 'time',
  order: SortOrder = 'desc',
  limit = 3,
): Promise<Detection[]> {
  const out: Detection[] = [];
  let after: PageRequest['after'] = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await view.query({ filter, sort, order, limit, after });
    out.push(...page.items.map((i) => i.detection));
    if (page.next === null) return out;
    after = page.next;
  }
  throw new Error('paging did not end');
}

const cidr = (text: string) => {
  const c = parseCidrOrAddress(text);
  assert.ok(c, text);
  return c;
};

export function viewSuite(name: string, make: MakeView): void {
  const now = () => T0 + DAY;

  test(`${name}: an upsert keeps the highest version; replays and older versions change nothing`, async () => {
    const view = await make({ retentionMs: 30 * DAY, clock: now });
    const v1 = makeDetection({ flowCount: 1, updatedMs: T0 + 10 });
    const v2 = {
      ...v1,
      flowCount: 5,
      score: 90,
      severity: 'critical' as const,
      updatedMs: T0 + 20,
    };
    assert.deepEqual(await view.upsert([v1]), { applied: 1, stale: 0, expired: 0 });
    assert.deepEqual(await view.upsert([v2, v1, v2]), { applied: 1, stale: 2, expired: 0 });
    const held = await view.get(v1.id);
    assert.equal(held?.detection.flowCount, 5);
    assert.equal(held?.detection.severity, 'critical');
    assert.equal(held?.triage.status, 'new');
    assert.equal(await view.count(), 1);
    // The severity index moved with the update: the old value no longer finds it.
    assert.equal((await all(view, { severity: ['high'] })).length, 0);
    assert.equal((await all(view, { severity: ['critical'] })).length, 1);
    assert.equal(await view.get('no-such-id'), null);
  });

  test(`${name}: every filter selects exactly the matching detections`, async () => {
    const view = await make({ retentionMs: 30 * DAY, clock: now });
    const ds = [
      makeDetection({
        src: '10.0.0.5',
        dst: '198.51.100.7',
        dstPort: 4444,
        firstSeenMs: T0,
        score: 70,
      }),
      makeDetection({
        src: '10.0.1.9',
        dst: '203.0.113.4',
        dstPort: 8388,
        firstSeenMs: T0 + 60_000,
        score: 50,
        verdict: 'opaque',
      }),
      makeDetection({
        src: '2001:db8::5',
        dst: '2001:db8:ff::1',
        dstPort: 51821,
        transport: 'udp',
        firstSeenMs: T0 + 120_000,
        score: 85,
      }),
      makeDetection({
        src: '192.168.7.2',
        dst: '198.51.100.8',
        dstPort: 4444,
        firstSeenMs: T0 + 180_000,
        score: 30,
        severity: 'low',
        verdict: 'insufficient',
      }),
    ];
    await view.upsert(ds);
    const ids = (xs: Detection[]) => xs.map((d) => d.id).sort();
    const expect = async (filter: DetectionFilter, wanted: Detection[]) =>
      assert.deepEqual(ids(await all(view, filter)), ids(wanted), JSON.stringify(filter));
    await expect({}, ds);
    await expect({ fromMs: T0 + 60_000 }, ds.slice(1));
    await expect({ fromMs: T0 + 60_000, toMs: T0 + 180_000 }, ds.slice(1, 3));
    await expect({ src: cidr('10.0.0.0/16') }, ds.slice(0, 2));
    await expect({ src: cidr('10.0.1.9') }, [ds[1]!]);
    await expect({ src: cidr('2001:db8::/32') }, [ds[2]!]);
    await expect({ dst: cidr('198.51.100.0/24') }, [ds[0]!, ds[3]!]);
    await expect({ dst: cidr('::ffff:198.51.100.0/120') }, [ds[0]!, ds[3]!]);
    await expect({ dstPort: 4444 }, [ds[0]!, ds[3]!]);
    await expect({ transport: 'udp' }, [ds[2]!]);
    await expect({ minScore: 70 }, [ds[0]!, ds[2]!]);
    await expect({ severity: ['low'] }, [ds[3]!]);
    await expect({ severity: ['low', 'critical'] }, [ds[2]!, ds[3]!]);
    await expect({ verdict: ['insufficient'] }, [ds[3]!]);
    await expect({ dstPort: 4444, minScore: 50 }, [ds[0]!]);
    await expect({ status: ['new'] }, ds);
    await view.setTriage(ds[1]!.id, {
      status: 'acknowledged',
      actor: 'ana',
      comment: null,
      atMs: T0,
    });
    await expect({ status: ['acknowledged'] }, [ds[1]!]);
    await expect({ status: ['new'] }, [ds[0]!, ds[2]!, ds[3]!]);
  });

  test(`${name}: orders by time and by score, ties by id, in both directions`, async () => {
    const view = await make({ retentionMs: 30 * DAY, clock: now });
    const ds = Array.from({ length: 12 }, (_, i) =>
      makeDetection({
        src: `10.0.0.${i + 1}`,
        firstSeenMs: T0 + (i % 4) * 1_000,
        score: 40 + (i % 3) * 10,
      }),
    );
    await view.upsert(ds);
    const byTime = [...ds].sort((a, b) => a.firstSeenMs - b.firstSeenMs || (a.id < b.id ? -1 : 1));
    const byScore = [...ds].sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1));
    assert.deepEqual(
      (await all(view, {}, 'time', 'asc')).map((d) => d.id),
      byTime.map((d) => d.id),
    );
    assert.deepEqual(
      (await all(view, {}, 'time', 'desc')).map((d) => d.id),
      byTime.reverse().map((d) => d.id),
    );
    assert.deepEqual(
      (await all(view, {}, 'score', 'asc', 5)).map((d) => d.id),
      byScore.map((d) => d.id),
    );
    assert.deepEqual(
      (await all(view, {}, 'score', 'desc', 1)).map((d) => d.id),
      byScore.reverse().map((d) => d.id),
    );
  });

  test(`${name}: paging while detections arrive returns every earlier detection exactly once`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<SortOrder>('asc', 'desc'),
        fc.constantFrom<SortKey>('time', 'score'),
        async (before, arriving, limit, order, sort) => {
          const view = await make({ retentionMs: 30 * DAY, clock: now });
          const initial = before.map((t, i) =>
            makeDetection({
              src: `10.1.${i >> 8}.${i & 255}`,
              firstSeenMs: T0 + t * 1_000,
              score: t % 7,
            }),
          );
          await view.upsert(initial);
          const later = arriving.map((t, i) =>
            makeDetection({
              src: `10.2.${i >> 8}.${i & 255}`,
              firstSeenMs: T0 + t * 1_000,
              score: t % 7,
            }),
          );
          const seen: string[] = [];
          let after: PageRequest['after'] = null;
          for (let page = 0; ; page++) {
            const p = await view.query({ filter: {}, sort, order, limit, after });
            seen.push(...p.items.map((i) => i.detection.id));
            // New detections land anywhere in the order between two pages.
            const chunk = later.slice(page * 3, page * 3 + 3);
            if (chunk.length > 0) await view.upsert(chunk);
            if (p.next === null) break;
            after = p.next;
          }
          assert.equal(new Set(seen).size, seen.length, 'no detection twice');
          for (const d of initial)
            assert.ok(seen.includes(d.id), 'no detection present at the start missed');
          await view.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  test(`${name}: triage sets status and comments, survives updates, and is audited`, async () => {
    const view = await make({ retentionMs: 30 * DAY, clock: now });
    const d = makeDetection();
    await view.upsert([d]);
    assert.equal(
      await view.setTriage('unknown', { status: 'resolved', actor: 'x', comment: null, atMs: T0 }),
      null,
    );
    await view.setTriage(d.id, {
      status: 'acknowledged',
      actor: 'ana',
      comment: 'looking',
      atMs: T0 + 1,
    });
    const item = await view.setTriage(d.id, {
      status: 'false_positive',
      actor: 'bo',
      comment: 'backup tool',
      atMs: T0 + 2,
    });
    assert.equal(item?.triage.status, 'false_positive');
    assert.equal(item?.triage.updatedBy, 'bo');
    assert.deepEqual(
      item?.triage.comments.map((c) => [c.author, c.status, c.text]),
      [
        ['ana', 'acknowledged', 'looking'],
        ['bo', 'false_positive', 'backup tool'],
      ],
    );
    await view.upsert([{ ...d, flowCount: 9, updatedMs: d.updatedMs + 1 }]);
    const after = await view.get(d.id);
    assert.equal(after?.detection.flowCount, 9);
    assert.equal(after?.triage.status, 'false_positive');
    const audit = await view.triageAudit(10, d.id);
    assert.deepEqual(
      audit.map((a) => [a.actor, a.from, a.to, a.comment]),
      [
        ['bo', 'acknowledged', 'false_positive', 'backup tool'],
        ['ana', 'new', 'acknowledged', 'looking'],
      ],
    );
  });

  test(`${name}: retention keeps old detections out and prunes them`, async () => {
    let clock = T0 + DAY;
    const view = await make({ retentionMs: DAY, clock: () => clock });
    const old = makeDetection({ src: '10.9.9.1', firstSeenMs: T0 - DAY, lastSeenMs: T0 - DAY + 1 });
    const fresh = makeDetection({
      src: '10.9.9.2',
      firstSeenMs: T0 + 1_000,
      lastSeenMs: T0 + 2_000,
    });
    assert.deepEqual(await view.upsert([old, fresh]), { applied: 1, stale: 0, expired: 1 });
    clock = T0 + 2 * DAY;
    assert.equal(await view.prune(clock), 1);
    assert.equal(await view.count(), 0);
    assert.equal(await view.get(fresh.id), null);
    assert.deepEqual(await all(view, {}), []);
    assert.deepEqual(await all(view, { dstPort: fresh.dstPort }), []);
  });

  test(`${name}: the live feed resumes after the last event id`, async () => {
    const view = await make({ retentionMs: 30 * DAY, clock: now });
    assert.equal(await view.feedHead(), null);
    const ds = [1, 2, 3].map((i) => makeDetection({ src: `10.3.0.${i}` }));
    await view.upsert(ds.slice(0, 2));
    const first = await view.feedAfter(null, 10);
    assert.deepEqual(
      first.map((e) => e.detection.id),
      [ds[0]!.id, ds[1]!.id],
    );
    assert.equal(await view.feedHead(), first[1]!.id);
    await view.upsert([ds[2]!, ds[0]!]);
    const resumed = await view.feedAfter(first[1]!.id, 10);
    assert.deepEqual(
      resumed.map((e) => e.detection.id),
      [ds[2]!.id],
    );
    assert.deepEqual(
      (await view.feedAfter(first[0]!.id, 1)).map((e) => e.detection.id),
      [ds[1]!.id],
    );
  });
}
