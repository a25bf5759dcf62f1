// The generator is re-runnable, reproducible where its classes say so, and the committed
// corpus is what it makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogue } from './catalogue.js';
import { generateCorpus } from './corpus.js';
import { CORPUS_DIR, readLabels } from './labels.js';
import { flowKey, readPcap } from './pcap-reader.js';

const committed = readLabels();

test('every class generates sound flows (one flow per class)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-all-'));
  const labels = await generateCorpus({
    labelsDir: dir,
    pcapDir: dir,
    flowsPerClass: 1,
    seed: 'all',
    catalogue,
  });
  assert.equal(labels.flows.length, catalogue.length);
  for (const f of labels.flows) {
    const packets = readPcap(readFileSync(join(dir, f.file)));
    assert.deepEqual(
      packets.flatMap((p) => p.problems),
      [],
      f.class,
    );
    assert.equal(packets.filter((p) => flowKey(p) === flowKey(f)).length, f.packets, f.class);
    const carries = packets.some((p) => p.payload.length > 0);
    assert.equal(carries, f.label !== 'insufficient', `${f.class} carries payload`);
  }
});

test('reproducible classes regenerate the committed corpus byte for byte', async () => {
  const reproducible = catalogue.filter((c) => c.reproducible).map((c) => c.name);
  assert.ok(reproducible.length > 0);
  const perClass = committed.flows.filter((f) => f.class === reproducible[0]).length;
  const dir = mkdtempSync(join(tmpdir(), 'corpus-ci-'));
  const labels = await generateCorpus({
    labelsDir: dir,
    pcapDir: join(dir, 'ci'),
    flowsPerClass: perClass,
    seed: committed.seed,
    catalogue,
    only: reproducible,
  });
  assert.deepEqual(
    labels.flows,
    committed.flows.filter((f) => reproducible.includes(f.class)),
  );
  for (const name of reproducible) {
    const fresh = readFileSync(join(dir, 'ci', `${name}.pcap`));
    const kept = readFileSync(join(CORPUS_DIR, 'ci', `${name}.pcap`));
    assert.ok(
      fresh.equals(kept),
      `${name}.pcap differs: regenerate with pnpm corpus:generate -- --ci`,
    );
  }
});

test('another seed changes the bytes but not the structure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-seed-'));
  const only = ['aes-gcm-framed', 'ntp'];
  const a = await generateCorpus({
    labelsDir: join(dir, 'a'),
    pcapDir: join(dir, 'a'),
    flowsPerClass: 2,
    seed: 'a',
    catalogue,
    only,
  });
  const b = await generateCorpus({
    labelsDir: join(dir, 'b'),
    pcapDir: join(dir, 'b'),
    flowsPerClass: 2,
    seed: 'b',
    catalogue,
    only,
  });
  assert.deepEqual(
    a.flows.map((f) => [f.class, f.srcIp, f.dstIp, f.dstPort]),
    b.flows.map((f) => [f.class, f.srcIp, f.dstIp, f.dstPort]),
  );
  assert.ok(
    !readFileSync(join(dir, 'a', 'aes-gcm-framed.pcap')).equals(
      readFileSync(join(dir, 'b', 'aes-gcm-framed.pcap')),
    ),
  );
});
