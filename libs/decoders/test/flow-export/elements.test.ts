// The decoder's element table refereed on the registries' own names and types
// (data/ipfix-elements.csv, regenerated from Debian's copies by tools/generate-ipfix-registry.ts;
// the integration test elements-referee.int.test.ts checks the snapshot is current).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CERT_ELEMENTS,
  CERT_PEN,
  IANA_ELEMENTS,
  Op,
  REVERSE_ELEMENTS,
  REVERSE_PEN,
  opFor,
  type ElementSpec,
} from '../../src/flow-export/elements.js';

const SNAPSHOT = new URL('../../data/ipfix-elements.csv', import.meta.url);

function registry(): Map<string, { name: string; type: string }> {
  const out = new Map<string, { name: string; type: string }>();
  for (const line of readFileSync(SNAPSHOT, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('enterprise,')) continue;
    const [enterprise, id, name, type] = line.split(',');
    out.set(`${enterprise}/${id}`, { name: name!, type: type! });
  }
  return out;
}

const tables: [string, number, readonly ElementSpec[]][] = [
  ['IANA', 0, IANA_ELEMENTS],
  ['RFC 5103 reverse', REVERSE_PEN, REVERSE_ELEMENTS],
  ['CERT', CERT_PEN, CERT_ELEMENTS],
];

test('the registry snapshot holds the IANA, RFC 5103 and CERT registries', () => {
  const r = registry();
  assert.ok(r.size > 1000, `${r.size} rows`);
  assert.deepEqual(r.get('0/1'), { name: 'octetDeltaCount', type: 'unsigned64' });
  assert.deepEqual(r.get('29305/1'), { name: 'reverseOctetDeltaCount', type: 'unsigned64' });
  assert.deepEqual(r.get('6871/18'), { name: 'payload', type: 'octetArray' });
});

for (const [what, enterprise, table] of tables) {
  test(`every ${what} element of the decoder's table has the registry's name and type`, () => {
    const r = registry();
    const wrong: string[] = [];
    for (const e of table) {
      const entry = r.get(`${enterprise}/${e.id}`);
      if (entry === undefined) wrong.push(`${e.id} ${e.name}: not in the registry`);
      else if (entry.name !== e.name || entry.type !== e.type)
        wrong.push(`${e.id}: ours ${e.name} ${e.type}, registry ${entry.name} ${entry.type}`);
      assert.equal(opFor(e.id, enterprise), e.op, `${e.id} ${e.name} decodes by its table row`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(new Set(table.map((e) => e.id)).size, table.length, 'one row per element id');
  });
}

test('packet sections decode as the registry defines them (RFC 5477)', () => {
  // 313 starts at the IP header, 314 after it, 315 at the data link header.
  assert.equal(opFor(313, 0), Op.ipHeaderSection);
  assert.equal(opFor(314, 0), Op.ipPayloadSection);
  assert.equal(opFor(315, 0), Op.dataLinkSection);
  assert.equal(opFor(313, REVERSE_PEN), Op.revIpHeaderSection);
  assert.equal(opFor(314, REVERSE_PEN), Op.revIpPayloadSection);
});
