// Checks the committed CI corpus against its labels with the generator's own pcap reader;
// corpus-tshark.test.ts has tshark referee them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue } from './catalogue.js';
import type { Verdict } from '@opaqueflow/flow-model';
import { CORPUS_DIR, flowsByFile, readLabels } from './labels.js';
import { TCP_SYN } from './pcap-writer.js';
import { flowKey, readPcap } from './pcap-reader.js';

/** Every Verdict, checked complete by the compiler, so labels can only name real verdicts. */
const VERDICT_NAMES: Record<Verdict, true> = {
  opaque: true,
  tls: true,
  dtls: true,
  quic: true,
  ssh: true,
  wireguard: true,
  openvpn: true,
  ike: true,
  media: true,
  plaintext: true,
  compressed: true,
  insufficient: true,
};
const VERDICTS = new Set(Object.keys(VERDICT_NAMES));

const labels = readLabels();
const byFile = flowsByFile(labels);

test('labels.json has the documented shape and every catalogue class', () => {
  assert.equal(labels.version, 1);
  assert.ok(labels.flows.length > 0);
  for (const f of labels.flows) {
    assert.deepEqual(Object.keys(f).sort(), [
      'class',
      'description',
      'dstIp',
      'dstPort',
      'file',
      'label',
      'packets',
      'srcIp',
      'srcPort',
      'transport',
    ]);
    assert.ok(VERDICTS.has(f.label), `label ${f.label}`);
    assert.ok(f.transport === 'tcp' || f.transport === 'udp');
    assert.ok(existsSync(join(CORPUS_DIR, f.file)), f.file);
    const cls = catalogue.find((c) => c.name === f.class);
    assert.ok(cls, `class ${f.class} is in the catalogue`);
    assert.equal(f.label, cls.label);
    assert.equal(f.transport, cls.transport);
    assert.ok(cls.ports.includes(f.dstPort));
  }
  for (const c of catalogue)
    assert.ok(
      labels.flows.some((f) => f.class === c.name),
      `${c.name} has flows`,
    );
  assert.equal(
    new Set(labels.flows.map(flowKey)).size,
    labels.flows.length,
    'five-tuples are distinct',
  );
});

test('the committed corpus stays small', () => {
  const total = [...byFile.keys()].reduce((n, f) => n + statSync(join(CORPUS_DIR, f)).size, 0);
  assert.ok(total < 2 * 1024 * 1024, `${total} bytes`);
});

test('the README documents every class', () => {
  const readme = readFileSync(join(CORPUS_DIR, 'README.md'), 'utf8');
  for (const c of catalogue)
    assert.match(readme, new RegExp(`\\| \`${c.name}\` +\\| ${c.label} `), c.name);
});

test('every file holds exactly its labelled flows, sound, initiated by src', () => {
  for (const [file, flows] of byFile) {
    const packets = readPcap(readFileSync(join(CORPUS_DIR, file)));
    assert.deepEqual(
      packets.flatMap((p) => p.problems),
      [],
      file,
    );
    const counts = new Map<string, number>();
    const first = new Map<string, (typeof packets)[number]>();
    for (const p of packets) {
      const k = flowKey(p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (!first.has(k)) first.set(k, p);
    }
    assert.deepEqual(new Set(counts.keys()), new Set(flows.map(flowKey)), file);
    for (const f of flows) {
      assert.equal(counts.get(flowKey(f)), f.packets, `${file} ${f.srcIp}:${f.srcPort}`);
      const p = first.get(flowKey(f))!;
      assert.equal(
        `${p.srcIp}|${p.srcPort}`,
        `${f.srcIp}|${f.srcPort}`,
        'the first packet is the initiator’s',
      );
      if (f.transport === 'tcp') assert.equal(p.flags, TCP_SYN);
    }
  }
});

test('split-hello flows really split the ClientHello record across TCP segments', () => {
  const flows = labels.flows.filter((f) => f.class === 'tls13-split-hello');
  assert.ok(flows.length > 0);
  const packets = readPcap(readFileSync(join(CORPUS_DIR, flows[0]!.file)));
  for (const f of flows) {
    const first = packets.find(
      (p) => p.srcIp === f.srcIp && p.srcPort === f.srcPort && p.payload.length > 0,
    )!;
    assert.equal(first.payload[0], 0x16, 'a handshake record');
    assert.equal(first.payload[5], 0x01, 'a ClientHello');
    assert.ok(first.payload.readUInt16BE(3) + 5 > first.payload.length, 'the record continues');
    assert.ok(first.payload.length <= 536);
  }
});
