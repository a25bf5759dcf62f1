import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDetectionView } from '../../src/view/memory-view.js';
import { T0, makeDetection } from '../fixtures.js';
import { viewSuite } from './view-suite.js';

viewSuite('memory view', (o) => Promise.resolve(new MemoryDetectionView(o)));

test('memory view: a full view evicts the detection first seen longest ago, counted', async () => {
  const view = new MemoryDetectionView({ retentionMs: 1e12, maxDetections: 2, clock: () => T0 });
  const ds = [3, 1, 2].map((i) =>
    makeDetection({ src: `10.0.0.${i}`, firstSeenMs: T0 - i * 1000 }),
  );
  await view.upsert(ds);
  assert.equal(await view.count(), 2);
  assert.equal(view.evicted, 1);
  assert.equal(await view.get(ds[0]!.id), null);
});
