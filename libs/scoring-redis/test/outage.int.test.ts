import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Redis } from 'ioredis';
import {
  compileScorerConfig,
  MemoryScorerStore,
  retryWithBackoff,
  Scorer,
  ScoringError,
  type BatchItem,
  type ScorerStore,
} from '@opaqueflow/scoring';
import { itemsOf, makeFeatures } from '@opaqueflow/scoring/testing';
import { connectRedis, RedisScorerStore } from '@opaqueflow/scoring-redis';
import { OwnRedis } from './helpers/own-redis.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const config = compileScorerConfig({ learning: { minFlows: 10, minAgeMs: 60_000 } });

function batches(): BatchItem[][] {
  const out: BatchItem[][] = [];
  for (let b = 0; b < 10; b++) {
    const flows = Array.from({ length: 20 }, (_, i) => {
      const n = b * 20 + i;
      return makeFeatures({
        kind: n % 4 === 0 ? 'opaque' : n % 4 === 1 ? 'ssh' : 'tls',
        src: `10.4.0.${n % 11}`,
        dst: `192.0.2.${n % 3}`,
        dstPort: n % 4 === 0 ? 4444 + (n % 2) : undefined,
        startMs: T0 + n * 15_000,
        srcPort: 20_000 + n,
      });
    });
    out.push(itemsOf(flows, 2, b * 20));
  }
  return out;
}

async function totals(scorer: Scorer, all: BatchItem[]) {
  const ports = [
    [443, 'tcp'],
    [22, 'tcp'],
    [4444, 'tcp'],
    [4445, 'tcp'],
  ] as const;
  const out: Record<string, unknown> = {};
  for (const [port, transport] of ports)
    out[`${port}`] = await scorer.baseline(port, transport, null, T0 + 3_600_000);
  const last = await scorer.processBatch(all.filter((i) => i.features.verdict === 'opaque'));
  out.detections = last.detections
    .map((d) => ({
      id: d.id,
      flows: d.flowCount,
      bytes: d.bytes,
      first: d.firstSeenMs,
      last: d.lastSeenMs,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return out;
}

let redis: OwnRedis | null = null;
let client: Redis | null = null;
after(async () => {
  client?.disconnect();
  await redis?.destroy();
});

test('Redis stopped mid-run: retriable error, no commit, resume after restart without loss', async () => {
  redis = await OwnRedis.start();
  client = await connectRedis(redis.url, { commandTimeoutMs: 2_000, name: 'outage' });
  const redisStore = new RedisScorerStore({ client, keyPrefix: 'outage:' });
  let stopAfterRead = false;
  // Stops Redis between a batch's read and its apply: the worst moment.
  const store: ScorerStore = {
    read: async (r) => {
      const result = await redisStore.read(r);
      if (stopAfterRead) {
        stopAfterRead = false;
        await redis!.stop();
      }
      return result;
    },
    apply: (r) => redisStore.apply(r),
    close: () => redisStore.close(),
  };
  const scorer = new Scorer({ config, store });
  const all = batches();
  let committed = '0';
  let retries = 0;
  const run = (batch: BatchItem[]) =>
    retryWithBackoff(() => scorer.processBatch(batch), {
      baseDelayMs: 50,
      maxDelayMs: 500,
      onRetry: (err) => {
        retries += 1;
        assert.ok(err instanceof ScoringError && err.retriable, `retriable: ${String(err)}`);
      },
    });

  for (let b = 0; b < all.length; b++) {
    const batch = all[b]!;
    if (b === 3) {
      await redis.stop();
      // The consumer's first try fails retriably; it must not commit.
      await assert.rejects(scorer.processBatch(batch), (err: unknown) => {
        assert.ok(err instanceof ScoringError, String(err));
        assert.equal(err.code, 'SCORING_STORE_UNAVAILABLE');
        assert.equal(err.retriable, true);
        return true;
      });
      const restarting = new Promise((r) => setTimeout(r, 700)).then(() => redis!.restart());
      const result = await run(batch);
      await restarting;
      committed = result.commits[0]!.offset;
      continue;
    }
    if (b === 6) {
      stopAfterRead = true;
      const restarting = new Promise((r) => setTimeout(r, 1_000)).then(() => redis!.restart());
      const result = await run(batch);
      await restarting;
      committed = result.commits[0]!.offset;
      continue;
    }
    const result = await run(batch);
    committed = result.commits[0]!.offset;
    if (b === 8) {
      // Crash after apply, before commit: the restarted consumer gets the batch again.
      const again = await new Scorer({ config, store }).processBatch(batch);
      assert.equal(again.stats.appliedUpdates, 0);
    }
  }
  assert.equal(committed, '200');
  assert.ok(retries >= 2, `retries: ${retries}`);

  const memory = new MemoryScorerStore();
  const reference = new Scorer({ config, store: memory });
  for (const batch of all) await reference.processBatch(batch);
  const flat = all.flat();
  assert.deepEqual(await totals(scorer, flat), await totals(reference, flat));
});
