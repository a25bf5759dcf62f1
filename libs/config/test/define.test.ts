import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, REDACTED, defineConfig, field } from '../src/index.js';

const def = defineConfig(
  {
    port: field.port('HTTP_PORT').default(8080),
    level: field.oneOf('LEVEL', ['low', 'high']).default('low'),
    token: field.string('API_TOKEN', { minLength: 8 }).secret(),
    window: field.duration('WINDOW').default(60_000),
    minWindow: field.duration('MIN_WINDOW').default(1_000),
    nets: field.cidrList('TRUSTED_NETS').default([]),
    label: field.string('LABEL').optional(),
  },
  [
    {
      variables: ['MIN_WINDOW', 'WINDOW'],
      check: (c) => (c.minWindow <= c.window ? null : 'MIN_WINDOW must not exceed WINDOW'),
    },
  ],
);

function expectConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults apply, values parse, result is deeply frozen', () => {
  const c = def.load({
    env: { API_TOKEN: 'abcdefgh12', TRUSTED_NETS: '10.0.0.0/8,192.168.1.0/24' },
  });
  assert.equal(c.port, 8080);
  assert.equal(c.level, 'low');
  assert.equal(c.window, 60_000);
  assert.equal(c.label, undefined);
  assert.equal(c.nets.length, 2);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.nets));
  assert.ok(Object.isFrozen(c.nets[0]));
  assert.throws(() => {
    (c as { port: number }).port = 1;
  }, TypeError);
});

test('a bad value names the variable and why; all problems are reported at once', () => {
  const e = expectConfigError(() =>
    def.load({ env: { HTTP_PORT: '70000', LEVEL: 'medium', WINDOW: '5 min' } }),
  );
  const vars = e.issues.map((i) => i.variables.join(','));
  assert.deepEqual(vars.sort(), ['API_TOKEN', 'HTTP_PORT', 'LEVEL', 'WINDOW']);
  assert.match(e.message, /HTTP_PORT: "70000" is not a TCP\/UDP port/);
  assert.match(e.message, /LEVEL: "medium" is not one of low, high/);
  assert.match(e.message, /API_TOKEN: required/);
  assert.equal(e.issues.find((i) => i.variables[0] === 'API_TOKEN')?.code, 'CONFIG_MISSING');
  assert.equal(e.issues.find((i) => i.variables[0] === 'HTTP_PORT')?.code, 'CONFIG_INVALID');
});

test('an invalid secret is refused without echoing its value', () => {
  const e = expectConfigError(() => def.load({ env: { API_TOKEN: 'short' } }));
  assert.match(e.message, /API_TOKEN/);
  assert.doesNotMatch(e.message, /short/);
});

test('cross-field rules run after parsing and name every variable involved', () => {
  const e = expectConfigError(() =>
    def.load({ env: { API_TOKEN: 'abcdefgh12', WINDOW: '1s', MIN_WINDOW: '2s' } }),
  );
  assert.equal(e.code, 'CONFIG_CROSS_FIELD');
  assert.deepEqual(e.issues[0]?.variables, ['MIN_WINDOW', 'WINDOW']);
});

test('a throwing rule becomes a ConfigError with the cause chained', () => {
  const boom = new Error('boom');
  const d = defineConfig({ a: field.int('A').default(1) }, [
    {
      variables: ['A'],
      check: () => {
        throw boom;
      },
    },
  ]);
  const e = expectConfigError(() => d.load({ env: {} }));
  assert.equal(e.cause, boom);
});

test('empty variables count as unset', () => {
  const c = def.load({ env: { API_TOKEN: 'abcdefgh12', HTTP_PORT: '  ' } });
  assert.equal(c.port, 8080);
});

test('describe redacts secrets and renders values as an operator would write them', () => {
  const c = def.load({ env: { API_TOKEN: 'abcdefgh12', WINDOW: '90s' } });
  const shown = def.describe(c);
  assert.equal(shown.API_TOKEN, REDACTED);
  assert.equal(shown.WINDOW, '1m30s');
  assert.equal(shown.LABEL, '(unset)');
  assert.doesNotMatch(JSON.stringify(shown), /abcdefgh12/);
  const help = def.variables();
  assert.deepEqual(
    help.find((h) => h.variable === 'API_TOKEN'),
    {
      variable: 'API_TOKEN',
      kind: 'string',
      required: true,
      secret: true,
      default: null,
      description: '',
    },
  );
});

test('a config file supplies values; the environment wins; unknown keys are typos', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(
    file,
    JSON.stringify({
      HTTP_PORT: 9000,
      LEVEL: 'high',
      API_TOKEN: 'fromfile123',
      TRUSTED_NETS: ['10.0.0.0/8', '::1/128'],
    }),
  );
  const c = def.load({ env: { CONFIG_FILE: file, LEVEL: 'low' } });
  assert.equal(c.port, 9000);
  assert.equal(c.level, 'low');
  assert.equal(c.token, 'fromfile123');
  assert.equal(c.nets[1]?.version, 6);

  writeFileSync(file, JSON.stringify({ HTTP_PROT: 1, API_TOKEN: 'fromfile123' }));
  const typo = expectConfigError(() => def.load({ file }));
  assert.equal(typo.issues[0]?.variables[0], 'HTTP_PROT');

  writeFileSync(file, '{not json');
  const bad = expectConfigError(() => def.load({ file }));
  assert.equal(bad.code, 'CONFIG_FILE_INVALID');
  assert.ok(bad.cause instanceof SyntaxError);

  const missing = expectConfigError(() => def.load({ file: join(dir, 'nope.json') }));
  assert.equal(missing.code, 'CONFIG_FILE_UNREADABLE');
  assert.ok(missing.cause instanceof Error);
});

test('two settings reading one variable is a programming error caught at definition', () => {
  const e = expectConfigError(() => defineConfig({ a: field.int('X'), b: field.int('X') }));
  assert.equal(e.code, 'CONFIG_SPEC_INVALID');
});
