import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { run } from './cli.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

test('analyze --help and start --help print their usage and exit 0', () => {
  for (const [command, text] of [
    ['analyze', /usage: opaqueflow analyze .*--format jsonl\|table[\s\S]*gzip/],
    ['start', /usage: opaqueflow start[\s\S]*--netflow-port[\s\S]*--duration/],
  ] as const) {
    for (const flag of ['--help', '-h']) {
      const r = run(command, flag);
      assert.equal(r.status, 0, `${command} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, text);
      assert.equal(r.stderr, '');
    }
  }
});

test('--version prints the package version', () => {
  const r = run('--version');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `opaqueflow ${pkg.version}\n`);
});

test('bad usage is one line on stderr and exit 2', () => {
  for (const [args, reason] of [
    [
      ['start', '--netflow-port', ''],
      /--netflow-port must be a port number 0–65535 or "off", not ""/,
    ],
    [['start', '--ipfix-port', '70000'], /--ipfix-port must be a port number/],
    [['start', '--sflow-port', '12abc'], /--sflow-port must be a port number/],
    [['start', '--duration', ''], /--duration must be a positive number of seconds/],
    [['start', '--duration', '0'], /--duration must be a positive number of seconds/],
    [['start', '--duration=-5'], /--duration must be a positive number of seconds/],
    [['start', '--frobnicate'], /unknown option "--frobnicate" for start/],
    [['start', 'stray'], /start: .*stray/],
    [['analyze', '--format'], /--format needs a value/],
    [['analyze', '--all=yes', 'x.pcap'], /--all takes no value/],
    [['analyze', '--bogus', 'x.pcap'], /unknown option "--bogus" for analyze/],
    [['analyze'], /analyze needs at least one pcap, pcapng or IPFIX file/],
  ] as const) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, reason);
  }
});
