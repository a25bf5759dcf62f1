import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  PcapWriter,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
  addressBytes,
  internetChecksum,
  type Endpoint,
} from './pcap-writer.js';
import { flowKey, readPcap, type ParsedPacket } from './pcap-reader.js';
import { Rng } from './rng.js';
import { synthesise } from './synth.js';
import { TranscriptBuilder, streamOf, type Side, type Transcript } from './transcript.js';
import {
  CHECKSUM_PREFS,
  PROBLEM_FILTER,
  conversationFrames,
  tshark,
  requireTshark,
} from './tshark.js';

const mac = Buffer.from([2, 0, 0, 0, 0, 1]);
const v4 = {
  client: { ip: '10.0.0.1', port: 40000, mac } satisfies Endpoint,
  server: { ip: '192.0.2.1', port: 4444, mac } satisfies Endpoint,
};
const v6 = {
  client: { ip: '2001:db8:1::1', port: 40001, mac } satisfies Endpoint,
  server: { ip: '2001:db8:ffff::1', port: 8080, mac } satisfies Endpoint,
};

function render(t: Transcript, eps: typeof v4): { file: Buffer; packets: number } {
  const w = new PcapWriter();
  const r = synthesise(t, eps, new Rng('test', 'flow'), 1_767_225_600_000_000, w);
  assert.equal(w.packets, r.packets);
  return { file: w.toBuffer(), packets: r.packets };
}

/** Payload bytes one side sent, reassembled by sequence number, and whether all were ACKed. */
function reassemble(packets: readonly ParsedPacket[], fromIp: string): Buffer {
  const mine = packets.filter((p) => p.srcIp === fromIp && p.payload.length > 0);
  const syn = packets.find((p) => p.srcIp === fromIp && p.flags & TCP_SYN);
  assert.ok(syn);
  let next = (syn.seq + 1) >>> 0;
  const parts: Buffer[] = [];
  for (const p of mine) {
    assert.equal(p.seq, next, 'segments are in order with no gap or overlap');
    parts.push(p.payload);
    next = (next + p.payload.length) >>> 0;
  }
  return Buffer.concat(parts);
}

test('internet checksum matches the RFC 1071 worked example', () => {
  const words = Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(internetChecksum([words]), 0x220d);
  // Odd-length data is padded with a zero byte.
  assert.equal(internetChecksum([Buffer.from([0x01])]), ~0x0100 & 0xffff);
});

test('addressBytes parses IPv4 and compressed IPv6', () => {
  assert.deepEqual([...addressBytes('192.0.2.7')], [192, 0, 2, 7]);
  assert.equal(addressBytes('2001:db8::1').toString('hex'), '20010db8000000000000000000000001');
  assert.equal(addressBytes('::1').toString('hex'), '00000000000000000000000000000001');
  assert.equal(addressBytes('2001:db8:a::').toString('hex'), '20010db8000a00000000000000000000');
  assert.throws(() => addressBytes('300.1.1.1'));
});

test('a TCP exchange has a handshake, MSS segments, consistent seq/ack and a FIN teardown', () => {
  const request = Buffer.alloc(5000, 0x41);
  const response = Buffer.alloc(300, 0x42);
  const t = new TranscriptBuilder('tcp')
    .client(request)
    .server(response)
    .fin('client')
    .fin('server')
    .build();
  const { file, packets } = render(t, v4);
  const parsed = readPcap(file);
  assert.equal(parsed.length, packets);
  assert.deepEqual(
    parsed.flatMap((p) => p.problems),
    [],
  );
  assert.deepEqual(
    parsed.slice(0, 3).map((p) => p.flags),
    [TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK],
  );
  assert.ok(parsed.every((p) => p.payload.length <= 1460));
  assert.equal(parsed.filter((p) => p.payload.length === 1460).length, 3);
  assert.ok(reassemble(parsed, '10.0.0.1').equals(request));
  assert.ok(reassemble(parsed, '192.0.2.1').equals(response));
  const tail = parsed.slice(-3).map((p) => [p.srcIp, p.flags]);
  assert.deepEqual(tail, [
    ['10.0.0.1', TCP_FIN | TCP_ACK],
    ['192.0.2.1', TCP_FIN | TCP_ACK],
    ['10.0.0.1', TCP_ACK],
  ]);
  // The last ACK acknowledges the server's FIN.
  const serverFin = parsed.at(-2)!;
  assert.equal(parsed.at(-1)!.ack, (serverFin.seq + 1) >>> 0);
});

test('IPv6 flows use a 1440-byte MSS and valid checksums', () => {
  const t = new TranscriptBuilder('tcp').client(Buffer.alloc(3000, 7)).fin('client').build();
  const parsed = readPcap(render(t, v6).file);
  assert.deepEqual(
    parsed.flatMap((p) => p.problems),
    [],
  );
  assert.equal(Math.max(...parsed.map((p) => p.payload.length)), 1440);
  assert.equal(parsed[0]!.srcIp, '2001:db8:1::1');
});

test('UDP datagrams are written one per send, in order', () => {
  const t = new TranscriptBuilder('udp')
    .client(Buffer.from('ping'))
    .server(Buffer.from('pong!'))
    .build();
  const parsed = readPcap(render(t, v4).file);
  assert.deepEqual(
    parsed.map((p) => [p.srcIp, p.payload.toString()]),
    [
      ['10.0.0.1', 'ping'],
      ['192.0.2.1', 'pong!'],
    ],
  );
  assert.deepEqual(
    parsed.flatMap((p) => p.problems),
    [],
  );
});

const arbTranscript = fc
  .array(
    fc.record({
      from: fc.constantFrom<Side>('client', 'server'),
      data: fc.uint8Array({ minLength: 1, maxLength: 4000 }),
    }),
    { minLength: 0, maxLength: 8 },
  )
  .chain((msgs) =>
    fc.constantFrom<Side[]>(['client', 'server'], ['server', 'client'], ['client']).map((fins) => {
      const b = new TranscriptBuilder('tcp');
      for (const m of msgs) {
        if (m.from === 'client') b.client(Buffer.from(m.data));
        else b.server(Buffer.from(m.data));
      }
      for (const f of fins) b.fin(f);
      return b.build();
    }),
  );

test('property: any TCP transcript renders to sound packets that reassemble to its streams', () => {
  fc.assert(
    fc.property(arbTranscript, fc.boolean(), (t, ipv6) => {
      const eps = ipv6 ? v6 : v4;
      const parsed = readPcap(render(t, eps).file);
      assert.deepEqual(
        parsed.flatMap((p) => p.problems),
        [],
      );
      assert.equal(new Set(parsed.map(flowKey)).size, 1);
      assert.ok(reassemble(parsed, eps.client.ip).equals(streamOf(t, 'client')));
      assert.ok(reassemble(parsed, eps.server.ip).equals(streamOf(t, 'server')));
      // Both FINs are sent and the last one is acknowledged.
      const fins = parsed.filter((p) => p.flags & TCP_FIN);
      assert.equal(fins.length, 2);
      const last = parsed.at(-1)!;
      assert.equal(last.flags, TCP_ACK);
      assert.equal(last.ack, (fins[1]!.seq + 1) >>> 0);
    }),
    { numRuns: 150 },
  );
});

test('tshark reads the writer output without checksum errors or warnings', () => {
  requireTshark();
  const dir = mkdtempSync(join(tmpdir(), 'pcap-writer-'));
  const w = new PcapWriter();
  const rng = new Rng('test', 'tshark');
  const tcp = new TranscriptBuilder('tcp')
    .client(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'))
    .server(Buffer.alloc(4000, 0x61))
    .fin('server')
    .fin('client')
    .build();
  const udp = new TranscriptBuilder('udp')
    .client(Buffer.alloc(33, 1))
    .server(Buffer.alloc(1, 2))
    .build();
  let end = synthesise(tcp, v4, rng, 1_767_225_600_000_000, w).endUs;
  end = synthesise(tcp, v6, rng, end + 1000, w).endUs;
  synthesise(udp, v4, rng, end + 1000, w);
  const file = join(dir, 'writer.pcap');
  writeFileSync(file, w.toBuffer());
  const bad = tshark(['-r', file, ...CHECKSUM_PREFS, '-Y', PROBLEM_FILTER]);
  assert.equal(bad.trim(), '');
  const expected = new Map<string, number>();
  for (const p of readPcap(w.toBuffer()))
    expected.set(flowKey(p), (expected.get(flowKey(p)) ?? 0) + 1);
  const actual = conversationFrames(file);
  assert.equal(actual.size, 3);
  assert.deepEqual(actual, expected);
});
