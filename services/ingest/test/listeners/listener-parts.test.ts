import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/listeners/bounded-queue.js';
import { IpfixTcpFramer } from '../../src/listeners/ipfix-tcp-framer.js';
import { RejectionLog } from '../../src/listeners/rejection-log.js';
import { groupTemplates } from '../../src/listeners/template-endpoint.js';
import {
  parseProcNetUdp,
  parseSnmp6Udp,
  parseSnmpUdp,
} from '../../src/listeners/kernel-udp-stats.js';
import {
  ipfixMessage,
  ipfixTemplateSet,
} from '../../../../libs/decoders/test/flow-export/builders.js';

test('bounded queue keeps FIFO order and refuses past capacity', () => {
  const q = new BoundedQueue<number>(3);
  assert.ok(q.push(1) && q.push(2) && q.push(3));
  assert.equal(q.push(4), false);
  assert.equal(q.shift(), 1);
  assert.ok(q.push(5));
  assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [2, 3, 5, undefined]);
  assert.throws(() => new BoundedQueue(0), RangeError);
});

test('IPFIX TCP framer splits a stream by message length, across chunk boundaries', () => {
  const m1 = ipfixMessage(1, 0, [ipfixTemplateSet([{ id: 256, fields: [{ id: 8, length: 4 }] }])]);
  const m2 = ipfixMessage(2, 0, []);
  const stream = new Uint8Array([...m1, ...m2, ...m1]);
  const framer = new IpfixTcpFramer();
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 7)
    got.push(...(framer.push(stream.subarray(i, i + 7)) ?? []));
  assert.deepEqual(got, [m1, m2, m1]);
  assert.equal(framer.buffered, 0);
  assert.equal(framer.push(Uint8Array.from([0, 9, 0, 20])), null, 'not IPFIX: framing lost');
  assert.equal(framer.push(m1), null, 'stays lost');
});

test('rejections are logged at most once per minute per reason', () => {
  let now = 0;
  const lines: object[] = [];
  const log = new RejectionLog({ warn: (obj) => lines.push(obj) }, 60_000, () => now);
  for (let i = 0; i < 10; i++) log.note('bad-set-length', { exporter: 'a' });
  log.note('template-missing', { exporter: 'a' });
  assert.equal(lines.length, 2);
  now = 60_000;
  log.note('bad-set-length', { exporter: 'b' });
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2], {
    reason: 'bad-set-length',
    suppressedSinceLastLog: 9,
    exporter: 'b',
  });
});

test('templates are grouped per exporter and domain', () => {
  const t = (exporter: string, observationDomain: number, templateId: number) => ({
    protocol: 'ipfix' as const,
    exporter,
    observationDomain,
    templateId,
    options: false,
    scopeFieldCount: 0,
    fieldCount: 1,
    recordLength: 4,
    fields: [{ id: 8, length: 4, enterprise: 0 }],
    learnedMs: 0,
  });
  const g = groupTemplates([t('b', 1, 300), t('a', 2, 256), t('b', 1, 256), t('b', 3, 256)]);
  assert.deepEqual(
    g.map((e) => e.exporter),
    ['a', 'b'],
  );
  assert.deepEqual(
    g[1]!.domains.map((d) => [d.observationDomain, d.templates.map((x) => x.templateId)]),
    [
      [1, [256, 300]],
      [3, [256]],
    ],
  );
});

test('kernel UDP counters parse from /proc/net/snmp, snmp6 and udp text', () => {
  const snmp =
    'Ip: Forwarding DefaultTTL\nIp: 1 64\n' +
    'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n' +
    'Udp: 2587 0 18 2606 17 0 1 0 0\n' +
    'UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n' +
    'UdpLite: 0 0 9 0 9 0 0 0 0\n';
  assert.deepEqual(parseSnmpUdp(snmp), { rcvbufErrors: 17, inErrors: 18 });
  assert.equal(parseSnmpUdp('Ip: 1\n'), null);
  const snmp6 = 'Udp6InDatagrams \t5\nUdp6InErrors  \t4\nUdp6RcvbufErrors\t3\n';
  assert.deepEqual(parseSnmp6Udp(snmp6), { rcvbufErrors: 3, inErrors: 4 });
  const udp =
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
    '13425: 0100007F:D117 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 165920 2 0000000079961173 42\n';
  assert.deepEqual(parseProcNetUdp(udp), [{ localPort: 0xd117, inode: 165920, drops: 42 }]);
});
