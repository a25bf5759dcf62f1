import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatDurationMs,
  parseBoolean,
  parseCidr,
  parseDurationMs,
  parseHostPort,
  parseInteger,
  parseList,
  parsePort,
  parseTopicName,
  parseUrl,
  redactUrlText,
} from '../src/index.js';

test('integers: bounds, junk and unsafe values are refused with a reason', () => {
  assert.deepEqual(parseInteger({ min: 1, max: 10 })('7'), { ok: true, value: 7 });
  const low = parseInteger({ min: 1 })('0');
  assert.equal(low.ok, false);
  assert.match(!low.ok ? low.reason : '', /below the minimum 1/);
  assert.equal(parseInteger()('1.5').ok, false);
  assert.equal(parseInteger()('12abc').ok, false);
  assert.equal(parseInteger()('99999999999999999999').ok, false);
});

test('ports accept 0-65535 only', () => {
  assert.deepEqual(parsePort('9464'), { ok: true, value: 9464 });
  assert.equal(parsePort('65536').ok, false);
  assert.equal(parsePort('-1').ok, false);
});

test('durations: units, compound forms, bare milliseconds, round trip through format', () => {
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('1.5s'), 1_500);
  assert.equal(parseDurationMs('1500'), 1_500);
  assert.equal(parseDurationMs('-5s'), null);
  assert.equal(parseDurationMs('5 minutes'), null);
  assert.equal(parseDurationMs('0.0001s'), null);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
      assert.equal(parseDurationMs(formatDurationMs(ms)), ms);
    }),
  );
});

test('booleans: the usual spellings, anything else is refused', () => {
  for (const t of ['true', 'TRUE', '1', 'yes', 'on'])
    assert.deepEqual(parseBoolean(t), { ok: true, value: true });
  for (const f of ['false', '0', 'no', 'Off'])
    assert.deepEqual(parseBoolean(f), { ok: true, value: false });
  assert.equal(parseBoolean('enabled').ok, false);
});

test('CIDR blocks normalise to the network address; bad ones are refused', () => {
  const v4 = parseCidr('10.1.2.3/8');
  assert.ok(v4.ok);
  assert.deepEqual(v4.value, {
    text: '10.0.0.0/8',
    version: 4,
    network: '10.0.0.0',
    prefixLength: 8,
  });
  const v6 = parseCidr('2001:db8::1/32');
  assert.ok(v6.ok);
  assert.equal(v6.value.text, '2001:db8::/32');
  assert.equal(v6.value.version, 6);
  assert.equal(parseCidr('10.0.0.0/33').ok, false);
  assert.equal(parseCidr('10.0.0.0').ok, false);
  assert.equal(parseCidr('300.0.0.0/8').ok, false);
});

test('lists report which item is bad', () => {
  const r = parseList(parseHostPort)('kafka-1:9092, kafka-2:x');
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /item 2/);
  const good = parseList(parseHostPort)('kafka-1:9092,[::1]:9093');
  assert.deepEqual(good, {
    ok: true,
    value: [
      { host: 'kafka-1', port: 9092 },
      { host: '[::1]', port: 9093 },
    ],
  });
  assert.equal(parseList(parseHostPort, { minItems: 1 })(' , ').ok, false);
});

test('URLs: protocol allow-list, host required, password never echoed', () => {
  assert.deepEqual(parseUrl({ protocols: ['redis:'] })('redis://h:6379/0'), {
    ok: true,
    value: 'redis://h:6379/0',
  });
  const wrong = parseUrl({ protocols: ['redis:', 'rediss:'] })('http://h');
  assert.equal(wrong.ok, false);
  assert.match(!wrong.ok ? wrong.reason : '', /redis, rediss/);
  const bad = parseUrl()('redis://:hunter2@');
  assert.equal(bad.ok, false);
  assert.doesNotMatch(!bad.ok ? bad.reason : '', /hunter2/);
  assert.equal(redactUrlText('redis://user:hunter2@h:6379'), 'redis://user:***@h:6379');
  assert.equal(redactUrlText('http://h:8081/apis'), 'http://h:8081/apis');
});

test('topic names follow Kafka rules', () => {
  assert.ok(parseTopicName('opaqueflow.flows.v1').ok);
  assert.equal(parseTopicName('..').ok, false);
  assert.equal(parseTopicName('flows topic').ok, false);
  assert.equal(parseTopicName('x'.repeat(250)).ok, false);
});

test('parsers never throw on arbitrary text', () => {
  const parsers = [
    parseInteger(),
    parsePort,
    parseBoolean,
    parseCidr,
    parseHostPort,
    parseUrl(),
    parseTopicName,
  ];
  fc.assert(
    fc.property(fc.string(), (s) => {
      for (const p of parsers) {
        const r = p(s);
        assert.equal(typeof r.ok, 'boolean');
      }
      assert.ok(parseDurationMs(s) === null || Number.isSafeInteger(parseDurationMs(s)));
    }),
  );
});
