import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
} from '../../../libs/decoders/test/flow-export/builders.js';
import { jsonl, run } from './cli.js';
import { PAYLOAD_FIELDS, tcpFlowRecord } from './ipfix-fixture.js';

const corpus = fileURLToPath(new URL('../../../test/corpus/ci/', import.meta.url));
const capture = join(
  corpus,
  readdirSync(corpus)
    .filter((f) => f.endsWith('.pcap'))
    .sort()[0]!,
);
const fixtures = fileURLToPath(new URL('../../../libs/decoders/test/fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-inputs-'));

function flowIds(stdout: string): string[] {
  return jsonl(stdout)
    .map((r) => r.flowId as string)
    .sort();
}

const reference = run('analyze', '--all', '--format', 'jsonl', capture);

test('one unreadable file among several: the good files are still analysed, the bad ones named, exit 2', () => {
  assert.equal(reference.status, 0, reference.stderr);
  const junk = join(dir, 'notes.txt');
  writeFileSync(junk, 'hello, not a capture\n');
  const missing = join(dir, 'missing.pcap');
  const r = run('analyze', '--all', '--format', 'jsonl', junk, capture, missing);
  assert.equal(r.status, 2, r.stderr);
  assert.deepEqual(flowIds(r.stdout), flowIds(reference.stdout));
  assert.match(r.stderr, new RegExp(`${junk}: not a pcap, pcapng or IPFIX file`));
  assert.match(r.stderr, new RegExp(`${missing}: cannot read \\(no such file\\)`));
  assert.match(r.stderr, /1 file: .*2 unreadable files skipped/);
});

test('an empty file is called empty', () => {
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, '');
  const r = run('analyze', empty);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `opaqueflow: ${empty}: empty file (0 bytes)\n`);
});

test('a gzip-compressed capture is read through zlib: the same flows as the plain file', () => {
  const gz = join(dir, 'capture.pcap.gz');
  writeFileSync(gz, gzipSync(readFileSync(capture)));
  const r = run('analyze', '--all', '--format', 'jsonl', gz);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(reference.stdout.length > 0);
  assert.deepEqual(flowIds(r.stdout), flowIds(reference.stdout));
});

test('a cut-off gzip capture keeps what was decompressed and says the rest is unread', () => {
  const whole = gzipSync(readFileSync(capture));
  const cut = join(dir, 'cut.pcap.gz');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const r = run('analyze', '--all', '--format', 'jsonl', cut);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(jsonl(r.stdout).length > 0);
  assert.match(r.stderr, /gzip stream broken after [\d,]+ decompressed bytes .*the rest is unread/);
});

test('the modified-pcap magic 0xa1b2cd34 is accepted like the decoder reads it', () => {
  const r = run('analyze', '--all', '--format', 'jsonl', join(fixtures, 'mixed-modified.pcap'));
  assert.equal(r.status, 0, r.stderr);
  const plain = run('analyze', '--all', '--format', 'jsonl', join(fixtures, 'mixed.pcap'));
  assert.ok(jsonl(r.stdout).length > 0);
  assert.equal(jsonl(r.stdout).length, jsonl(plain.stdout).length);
});

test('an IPFIX file whose first message claims more than the file holds is called truncated, with byte counts', () => {
  const message = ipfixMessage(1, 1_700_000_000, [
    ipfixTemplateSet([{ id: 256, fields: PAYLOAD_FIELDS }]),
    dataSet(256, [
      tcpFlowRecord({
        src: '10.1.2.3',
        srcPort: 41000,
        dstPort: 4444,
        startMs: 1_700_000_000_000,
        payload: randomBytes(300),
      }),
    ]),
  ]);
  const file = join(dir, 'short.ipfix');
  writeFileSync(file, message.subarray(0, 100));
  const r = run('analyze', file);
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    `opaqueflow: ${file}: truncated IPFIX file: its first message claims ${message.length} bytes, the file holds 100\n`,
  );
});

test('a bad pcap record length says where reading stopped and how many bytes were left unread', () => {
  const bytes = Buffer.from(readFileSync(join(fixtures, 'mixed.pcap')));
  // The third record's captured length becomes absurd: nothing after it can be framed.
  let off = 24;
  for (let i = 0; i < 2; i++) off += 16 + bytes.readUInt32LE(off + 8);
  bytes.writeUInt32LE(0x7fffffff, off + 8);
  const file = join(dir, 'bad-length.pcap');
  writeFileSync(file, bytes);
  const r = run('analyze', '--all', '--format', 'jsonl', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `${file}: stopped reading at byte ${off.toLocaleString('en-US')} \\(bad-pcap-record-length: [^)]+\\): ` +
        `${(bytes.length - off).toLocaleString('en-US')} bytes after it left unread, 2 packets read before it`,
    ),
  );
});
