import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));
const corpus = fileURLToPath(new URL('../../../test/corpus/', import.meta.url));
const captures = readdirSync(join(corpus, 'ci'))
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(corpus, 'ci', f));

interface Label {
  file: string;
  transport: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  label: string;
}

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function jsonl(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const all = run('analyze', '--all', '--format', 'jsonl', ...captures);
const rows = jsonl(all.stdout);

test('analyze --all --format jsonl writes one object per flow with the contract fields', () => {
  assert.equal(all.status, 0, all.stderr);
  const labels = (
    JSON.parse(readFileSync(join(corpus, 'labels.json'), 'utf8')) as { flows: Label[] }
  ).flows;
  assert.equal(rows.length, labels.length, 'one row per labelled corpus flow');
  for (const r of rows) {
    for (const k of ['ts', 'transport', 'srcIp', 'srcPort', 'dstIp', 'dstPort', 'verdict'])
      assert.ok(r[k] !== undefined && r[k] !== null, `${k} present`);
    assert.ok(r.transport === 'tcp' || r.transport === 'udp');
    assert.ok(!Number.isNaN(Date.parse(r.ts as string)));
    assert.equal(typeof r.handshake, 'string');
    assert.ok(r.entropy === null || (typeof r.entropy === 'number' && r.entropy <= 8));
    assert.equal(typeof r.score, 'number');
    assert.equal(typeof r.detected, 'boolean');
    assert.ok(Array.isArray(r.reasons));
  }
  // src is the initiator: every labelled flow appears with its labelled direction.
  const seen = new Set(
    rows.map(
      (r) =>
        `${String(r.transport)} ${String(r.srcIp)} ${String(r.srcPort)} ${String(r.dstIp)} ${String(r.dstPort)}`,
    ),
  );
  for (const l of labels)
    assert.ok(
      seen.has(`${l.transport} ${l.srcIp} ${l.srcPort} ${l.dstIp} ${l.dstPort}`),
      `${l.file}: ${l.srcIp}:${l.srcPort} → ${l.dstIp}:${l.dstPort}`,
    );
});

test('analyze detects the opaque channels and none of the TLS, SSH, plaintext or compressed flows', () => {
  const labels = (
    JSON.parse(readFileSync(join(corpus, 'labels.json'), 'utf8')) as { flows: Label[] }
  ).flows;
  const labelOf = new Map(labels.map((l) => [`${l.transport} ${l.srcIp} ${l.srcPort}`, l.label]));
  let opaque = 0;
  let detectedOpaque = 0;
  for (const r of rows) {
    const label = labelOf.get(`${String(r.transport)} ${String(r.srcIp)} ${String(r.srcPort)}`);
    if (label === 'opaque') {
      opaque += 1;
      if (r.detected === true) detectedOpaque += 1;
    } else
      assert.equal(
        r.detected,
        false,
        `${String(label)} flow to port ${String(r.dstPort)} not detected`,
      );
    if (r.detected === true) {
      assert.ok((r.score as number) > 0);
      assert.ok((r.reasons as string[]).some((x) => x.startsWith('no-key-exchange')));
    }
  }
  assert.ok(opaque > 0);
  assert.ok(detectedOpaque / opaque >= 0.9, `${detectedOpaque}/${opaque} opaque flows detected`);
});

test('without --all only detections are written', () => {
  const r = run('analyze', '--format', 'jsonl', ...captures);
  assert.equal(r.status, 0, r.stderr);
  const detections = jsonl(r.stdout);
  assert.ok(detections.length > 0);
  assert.ok(detections.every((d) => d.detected === true));
  assert.equal(detections.length, rows.filter((x) => x.detected === true).length);
});

test('table format prints a header and one line per detection', () => {
  const r = run('analyze', captures[0]!);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0]!, /^time\s+proto\s+source\s+destination\s+verdict/);
});

test('unreadable input exits non-zero with a one-line reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-cli-'));
  const junk = join(dir, 'notes.txt');
  writeFileSync(junk, 'hello, not a capture\n');
  for (const [file, reason] of [
    [junk, /not a pcap, pcapng or IPFIX file/],
    [join(dir, 'missing.pcap'), /no such file/],
  ] as const) {
    const r = run('analyze', file);
    assert.notEqual(r.status, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, reason);
  }
  const bad = run('analyze', '--format', 'xml', captures[0]!);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--format must be jsonl or table/);
});

test('flow and packet counts agree with tshark conversation statistics', () => {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, 'tshark is installed (scripts/bootstrap.sh installs it)');
  for (const file of captures) {
    const ours = jsonl(run('analyze', '--all', '--format', 'jsonl', file).stdout);
    const conv = spawnSync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
      encoding: 'utf8',
    });
    assert.equal(conv.status, 0, conv.stderr);
    // Conversation lines: "a:port <-> b:port  frames bytes …  frames bytes …  total frames …".
    const lines = conv.stdout.split('\n').filter((l) => l.includes('<->'));
    // Some dissectors (SNMP) split one exchange into a conversation per direction: a flow is
    // an unordered endpoint pair, as in our bidirectional flow table.
    const pairs = new Set(
      lines.map((l) => {
        const [a, , b] = l.trim().split(/\s+/);
        return [a, b].sort().join(' ');
      }),
    );
    assert.equal(ours.length, pairs.size, `${file}: flows`);
    // Byte columns carry unit words ("289 bytes", "12 kB"); the fifth number is total frames.
    const tsharkPackets = lines
      .map((l) => {
        const numbers = l
          .split('<->')[1]!
          .trim()
          .split(/\s+/)
          .slice(1)
          .filter((t) => /^[\d,]+$/.test(t));
        return Number(numbers[4]!.replace(/,/g, ''));
      })
      .reduce((a, b) => a + b, 0);
    const ourPackets = ours.map((r) => r.packets as number).reduce((a, b) => a + b, 0);
    assert.equal(ourPackets, tsharkPackets, `${file}: packets`);
  }
});
