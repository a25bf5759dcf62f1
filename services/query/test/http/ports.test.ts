/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- response bodies are JSON read field by field by the assertions */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileScorerConfig, Scorer } from '@opaqueflow/scoring';
import { makeFeatures, itemsOf } from '@opaqueflow/scoring/testing';
import { ADMIN_KEY, READ_KEY, auth, testApp } from './helpers.js';
import { T0 } from '../fixtures.js';

test('ports and baselines come from the scorer store; coverage from the features seen', async () => {
  const t = await testApp();
  const scorer = new Scorer({ config: compileScorerConfig(), store: t.store, clock: () => T0 });
  const features = [
    ...Array.from({ length: 6 }, (_, i) =>
      makeFeatures({
        kind: 'tls',
        dstPort: 443,
        src: `10.0.0.${i + 1}`,
        startMs: T0 - 60_000 + i * 1000,
      }),
    ),
    ...Array.from({ length: 3 }, (_, i) =>
      makeFeatures({
        kind: 'opaque',
        dstPort: 4444,
        src: `10.0.1.${i + 1}`,
        startMs: T0 - 30_000 + i * 1000,
      }),
    ),
  ];
  await scorer.processBatch(itemsOf(features));
  t.coverage.add(features);
  const ports = (await t.app.inject({ url: '/v1/ports', headers: auth(READ_KEY) })).json();
  assert.deepEqual(
    ports.data.map((p: { port: number; transport: string }) => `${p.port}/${p.transport}`),
    ['443/tcp', '4444/tcp'],
  );
  const b = (
    await t.app.inject({ url: '/v1/ports/4444/baseline?transport=tcp', headers: auth(READ_KEY) })
  ).json().data;
  assert.equal(b.baseline.flows, 3);
  assert.equal(b.baseline.opaqueFlows, 3);
  assert.equal(b.baseline.learning, true);
  const tls = (
    await t.app.inject({ url: '/v1/ports/443/baseline', headers: auth(READ_KEY) })
  ).json().data;
  assert.equal(tls.baseline.flows, 6);
  assert.equal(tls.baseline.opaqueFlows, 0);
  const none = await t.app.inject({ url: '/v1/ports/9/baseline', headers: auth(READ_KEY) });
  assert.equal(none.statusCode, 404);
  const bad = await t.app.inject({ url: '/v1/ports/99999/baseline', headers: auth(READ_KEY) });
  assert.equal(bad.json().error.field, 'port');
  const coverage = (await t.app.inject({ url: '/v1/coverage', headers: auth(ADMIN_KEY) })).json()
    .data;
  assert.equal(coverage.length, 1);
  assert.equal(coverage[0].flows, 9);
  assert.equal(coverage[0].payloadEvidenceShare, 1);
  assert.equal(coverage[0].handshakeRecognisedShare, Math.round((6 / 9) * 10_000) / 10_000);
  assert.equal(coverage[0].insufficientShare, 0);
  scorer.close();
  await t.app.close();
});
