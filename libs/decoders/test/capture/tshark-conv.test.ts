// Cross-check against Wireshark: flow and packet counts per TCP/UDP conversation must match
// `tshark -q -z conv,tcp -z conv,udp` on the golden fixtures and on a generated capture.
// scripts/bootstrap.sh --test installs tshark; without it these tests fail, never pass
// silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowsFromCapture } from '../../src/index.js';
import { generateCapture } from '../../bench/generate-capture.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_TSHARK = 'install tshark: scripts/bootstrap.sh --test (Debian package tshark)';

/** "addr:port" → [addr, port]; IPv6 addresses contain colons, the port is after the last. */
function endpoint(text: string): string {
  const i = text.lastIndexOf(':');
  return `${text.slice(0, i)}/${text.slice(i + 1)}`;
}

function conversationKey(proto: string, a: string, b: string): string {
  return a < b ? `${proto} ${a} ${b}` : `${proto} ${b} ${a}`;
}

/** Conversation key → total frames, as tshark counts them. */
function tsharkConversations(file: string): Map<string, number> {
  const out = execFileSync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = new Map<string, number>();
  let proto = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    else if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = /^(\S+)\s+<->\s+(\S+)\s+\d+\s+\S+\s+\w*\s*\d+\s+\S+\s+\w*\s*(\d+)\s/.exec(line);
    if (m === null || proto === '') continue;
    const key = conversationKey(proto, endpoint(m[1]!), endpoint(m[2]!));
    result.set(key, (result.get(key) ?? 0) + Number(m[3]));
  }
  return result;
}

function ourConversations(bytes: Uint8Array): Map<string, number> {
  const { flows } = flowsFromCapture(bytes);
  const result = new Map<string, number>();
  for (const f of flows) {
    if (f.transport === 'other') continue;
    const key = conversationKey(
      f.transport,
      `${f.srcAddr}/${f.srcPort}`,
      `${f.dstAddr}/${f.dstPort}`,
    );
    result.set(key, (result.get(key) ?? 0) + f.packetsFwd + f.packetsRev);
  }
  return result;
}

function sorted(m: Map<string, number>): [string, number][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

test('tshark is installed for the cross-check', () => {
  assert.ok(haveTshark, NO_TSHARK);
});

for (const name of readdirSync(fixtures).filter((n) => /\.pcap(ng)?$/.test(n))) {
  test(`${name}: conversations and packet counts agree with tshark`, () => {
    assert.ok(haveTshark, NO_TSHARK);
    const file = join(fixtures, name);
    const theirs = tsharkConversations(file);
    assert.ok(theirs.size > 0, 'tshark found conversations');
    assert.deepEqual(sorted(ourConversations(readFileSync(file))), sorted(theirs));
  });
}

test('a generated capture of thousands of flows agrees with tshark', () => {
  assert.ok(haveTshark, NO_TSHARK);
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-conv-'));
  try {
    const bytes = generateCapture({ packets: 20_000, concurrentFlows: 200, seed: 7 });
    const file = join(dir, 'generated.pcap');
    writeFileSync(file, bytes);
    const theirs = tsharkConversations(file);
    const ours = ourConversations(bytes);
    assert.ok(theirs.size > 500, `only ${theirs.size} conversations`);
    assert.equal(ours.size, theirs.size);
    assert.deepEqual(sorted(ours), sorted(theirs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
