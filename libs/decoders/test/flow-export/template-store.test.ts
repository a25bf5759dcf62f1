import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowExportDecoder, MemoryTemplateStore } from '../../src/flow-export/index.js';
import type { StoredTemplate, TemplateStore } from '../../src/flow-export/index.js';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
  ipfixWithdrawal,
  record,
  v9Packet,
  v9TemplateFlowSet,
  type FieldSpec,
} from './builders.js';

const EXPORTER = '192.0.2.1';
const fields: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
];
const data = (domain: number) =>
  ipfixMessage(domain, 1_700_000_000, [
    dataSet(256, [record(fields, ['1.1.1.1', '2.2.2.2', 1, 2, 6])]),
  ]);

test('a second decoder sharing the store decodes data sets at once', async () => {
  const store = new MemoryTemplateStore();
  const a = new FlowExportDecoder({ templateStore: store });
  const b = new FlowExportDecoder({ templateStore: store });
  await a.decodeShared(ipfixMessage(5, 1, [ipfixTemplateSet([{ id: 256, fields }])]), EXPORTER);
  assert.equal((await store.list('ipfix', EXPORTER, 5)).length, 1);
  const r = await b.decodeShared(data(5), EXPORTER);
  assert.equal(r.records.length, 1);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.setRejects, []);
  assert.equal(b.stats().templatesFromStore, 1);
  assert.equal(b.stats().rejects['template-missing'], 0);
  // Not in the store for another domain: still missing, and counted.
  const miss = await b.decodeShared(data(6), EXPORTER);
  assert.equal(miss.records.length, 0);
  assert.equal(miss.missing.length, 1);
  assert.equal(b.stats().rejects['template-missing'], 1);
  // Withdrawal reaches the store too.
  await a.decodeShared(ipfixMessage(5, 1, [ipfixWithdrawal(256)]), EXPORTER);
  assert.equal(await store.get('ipfix', EXPORTER, 5, 256), undefined);
});

test('NetFlow v9 templates are shared too and kept apart from IPFIX ones', async () => {
  const store = new MemoryTemplateStore();
  const a = new FlowExportDecoder({ templateStore: store });
  await a.decodeShared(v9Packet(5, 1, 0, [v9TemplateFlowSet([{ id: 256, fields }])]), EXPORTER);
  const all = await store.listAll();
  assert.deepEqual(
    all.map((t) => [t.protocol, t.observationDomain, t.templateId]),
    [['netflow9', 5, 256]],
  );
  const b = new FlowExportDecoder({ templateStore: store });
  assert.equal(
    (await b.decodeShared(data(5), EXPORTER)).records.length,
    0,
    'an IPFIX set does not use a v9 template',
  );
});

test('store failures are counted, decoding goes on', async () => {
  const failing: TemplateStore = {
    get: () => Promise.reject(new Error('down')),
    put: () => Promise.reject(new Error('down')),
    list: () => Promise.resolve([]),
    remove: () => Promise.resolve(),
    listAll: () => Promise.resolve([] as StoredTemplate[]),
  };
  const d = new FlowExportDecoder({ templateStore: failing });
  const r = await d.decodeShared(
    ipfixMessage(1, 1, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [record(fields, ['1.1.1.1', '2.2.2.2', 1, 2, 6])]),
    ]),
    EXPORTER,
  );
  assert.equal(r.records.length, 1);
  await d.decodeShared(data(9), EXPORTER);
  assert.equal(d.stats().storeErrors, 2);
});

test('the memory store is bounded', async () => {
  const store = new MemoryTemplateStore(3);
  for (let id = 256; id < 261; id++) {
    await store.put({
      protocol: 'ipfix',
      exporter: 'x',
      observationDomain: 0,
      templateId: id,
      scopeFieldCount: 0,
      options: false,
      fields: fields.map((f) => ({ ...f, enterprise: 0 })),
      learnedMs: 0,
    });
  }
  assert.deepEqual(
    (await store.listAll()).map((t) => t.templateId),
    [258, 259, 260],
  );
});

test('template changes waiting for the store stay bounded when only decode() is called', async () => {
  const store = new MemoryTemplateStore();
  const d = new FlowExportDecoder({ templateStore: store, maxTemplatesPerDomain: 4096 });
  for (let id = 256; id < 256 + 1500; id++) {
    d.decode(ipfixMessage(1, 1, [ipfixTemplateSet([{ id, fields }])]), EXPORTER);
  }
  assert.equal(d.stats().storeErrors, 1500 - 1024);
  // The next shared decode writes what is still pending.
  await d.decodeShared(ipfixMessage(1, 1, []), EXPORTER);
  assert.equal((await store.list('ipfix', EXPORTER, 1)).length, 1024);
});
