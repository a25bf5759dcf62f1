// Checks the committed CI corpus against its labels, with the generator's own pcap reader
// and with tshark as an independent referee.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue } from './catalogue.js';
import type { LabelEntry } from './corpus.js';
import { CORPUS_DIR, readLabels } from './labels.js';
import { TCP_SYN } from './pcap-writer.js';
import { flowKey, readPcap } from './pcap-reader.js';
import { CHECKSUM_PREFS, conversationFrames, tshark, tsharkSkip } from './tshark.js';

const VERDICTS = new Set([
  'opaque',
  'tls',
  'dtls',
  'quic',
  'ssh',
  'wireguard',
  'openvpn',
  'ike',
  'plaintext',
  'compressed',
  'insufficient',
]);

const labels = readLabels();
const byFile = new Map<string, LabelEntry[]>();
for (const f of labels.flows) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);

test('labels.json has the documented shape and every catalogue class', () => {
  assert.equal(labels.version, 1);
  assert.ok(labels.flows.length > 0);
  for (const f of labels.flows) {
    assert.deepEqual(Object.keys(f).sort(), [
      'class',
      'description',
      'dstIp',
      'dstPort',
      'file',
      'label',
      'packets',
      'srcIp',
      'srcPort',
      'transport',
    ]);
    assert.ok(VERDICTS.has(f.label), `label ${f.label}`);
    assert.ok(f.transport === 'tcp' || f.transport === 'udp');
    assert.ok(existsSync(join(CORPUS_DIR, f.file)), f.file);
    const cls = catalogue.find((c) => c.name === f.class);
    assert.ok(cls, `class ${f.class} is in the catalogue`);
    assert.equal(f.label, cls.label);
    assert.equal(f.transport, cls.transport);
    assert.ok(cls.ports.includes(f.dstPort));
  }
  for (const c of catalogue)
    assert.ok(
      labels.flows.some((f) => f.class === c.name),
      `${c.name} has flows`,
    );
  assert.equal(
    new Set(labels.flows.map(flowKey)).size,
    labels.flows.length,
    'five-tuples are distinct',
  );
});

test('the committed corpus stays small', () => {
  const total = [...byFile.keys()].reduce((n, f) => n + statSync(join(CORPUS_DIR, f)).size, 0);
  assert.ok(total < 2 * 1024 * 1024, `${total} bytes`);
});

test('the README documents every class', () => {
  const readme = readFileSync(join(CORPUS_DIR, 'README.md'), 'utf8');
  for (const c of catalogue)
    assert.match(readme, new RegExp(`\\| \`${c.name}\` +\\| ${c.label} `), c.name);
});

test('every file holds exactly its labelled flows, sound, initiated by src', () => {
  for (const [file, flows] of byFile) {
    const packets = readPcap(readFileSync(join(CORPUS_DIR, file)));
    assert.deepEqual(
      packets.flatMap((p) => p.problems),
      [],
      file,
    );
    const counts = new Map<string, number>();
    const first = new Map<string, (typeof packets)[number]>();
    for (const p of packets) {
      const k = flowKey(p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (!first.has(k)) first.set(k, p);
    }
    assert.deepEqual(new Set(counts.keys()), new Set(flows.map(flowKey)), file);
    for (const f of flows) {
      assert.equal(counts.get(flowKey(f)), f.packets, `${file} ${f.srcIp}:${f.srcPort}`);
      const p = first.get(flowKey(f))!;
      assert.equal(
        `${p.srcIp}|${p.srcPort}`,
        `${f.srcIp}|${f.srcPort}`,
        'the first packet is the initiator’s',
      );
      if (f.transport === 'tcp') assert.equal(p.flags, TCP_SYN);
    }
  }
});

test('tshark lists exactly the labelled conversations with their packet counts', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  for (const [file, flows] of byFile) {
    assert.deepEqual(
      conversationFrames(join(CORPUS_DIR, file)),
      new Map(flows.map((f) => [flowKey(f), f.packets])),
      file,
    );
  }
});

test('tshark finds no bad checksum and no TCP analysis problem', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  for (const file of byFile.keys()) {
    const bad = tshark([
      '-r',
      join(CORPUS_DIR, file),
      ...CHECKSUM_PREFS,
      '-Y',
      'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || tcp.analysis.flags',
    ]);
    assert.equal(bad.trim(), '', file);
  }
});

interface Dissected {
  readonly src: string;
  readonly dst: string;
  readonly protocols: string;
  readonly tlsTypes: string;
  readonly sni: string;
  readonly alpn: string;
  readonly sshProtocol: string;
  readonly sshCode: string;
  readonly wgType: string;
  readonly openvpnOpcode: string;
}

/** Per-packet dissection results, with the flows' ports decoded as `proto`. */
function dissect(file: string, decodeAs: readonly string[]): Dissected[] {
  const fields = [
    'ip.src',
    'ipv6.src',
    'tcp.srcport',
    'udp.srcport',
    'frame.protocols',
    'tls.handshake.type',
    'tls.handshake.extensions_server_name',
    'tls.handshake.extensions_alpn_str',
    'ssh.protocol',
    'ssh.message_code',
    'wg.type',
    'openvpn.opcode',
    'ip.dst',
    'ipv6.dst',
    'tcp.dstport',
    'udp.dstport',
  ];
  const out = tshark([
    '-r',
    file,
    ...decodeAs.flatMap((d) => ['-d', d]),
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [
        ip4 = '',
        ip6 = '',
        tport = '',
        uport = '',
        protocols = '',
        tlsTypes = '',
        sni = '',
        alpn = '',
        sshProtocol = '',
        sshCode = '',
        wgType = '',
        openvpnOpcode = '',
        dst4 = '',
        dst6 = '',
        tdport = '',
        udport = '',
      ] = line.split('\t');
      return {
        src: `${ip4 || ip6}|${tport || uport}`,
        dst: `${dst4 || dst6}|${tdport || udport}`,
        protocols,
        tlsTypes,
        sni,
        alpn,
        sshProtocol,
        sshCode,
        wgType,
        openvpnOpcode,
      };
    });
}

test('tshark recognises TLS flows as TLS, with the labelled SNI and ALPN', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  const tlsFlows = labels.flows.filter((f) => f.label === 'tls');
  assert.ok(tlsFlows.length > 0);
  for (const [file, flows] of byFile) {
    const mine = flows.filter((f) => f.label === 'tls');
    if (mine.length === 0) continue;
    const packets = dissect(join(CORPUS_DIR, file), [
      ...new Set(mine.map((f) => `tcp.port==${f.dstPort},tls`)),
    ]);
    for (const f of mine) {
      const client = `${f.srcIp}|${f.srcPort}`;
      const server = `${f.dstIp}|${f.dstPort}`;
      const fromClient = packets.filter((p) => p.src === client);
      const fromServer = packets.filter((p) => p.src === server && p.dst === client);
      const hello = fromClient.find((p) => p.tlsTypes.split(',').includes('1'));
      assert.ok(hello, `${file}: ClientHello from ${f.srcIp}`);
      assert.ok(
        fromServer.some((p) => p.tlsTypes.split(',').includes('2')),
        `${file}: ServerHello`,
      );
      // The flow's own detail follows the class description after the last "; ".
      const detail = f.description.split('; ').at(-1) ?? '';
      const sni = /SNI (\S+?)(,|$)/.exec(detail)?.[1] ?? '';
      assert.equal(hello.sni, sni, `${file}: SNI`);
      const alpn = /ALPN (\S+)$/.exec(detail)?.[1] ?? '';
      assert.equal(hello.alpn, alpn, `${file}: ALPN`);
    }
  }
});

test('tshark recognises SSH flows as SSH from both sides', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  for (const [file, flows] of byFile) {
    const mine = flows.filter((f) => f.label === 'ssh');
    if (mine.length === 0) continue;
    const packets = dissect(join(CORPUS_DIR, file), [
      ...new Set(mine.map((f) => `tcp.port==${f.dstPort},ssh`)),
    ]);
    for (const f of mine) {
      const client = `${f.srcIp}|${f.srcPort}`;
      const server = `${f.dstIp}|${f.dstPort}`;
      for (const [side, peer] of [
        [client, server],
        [server, client],
      ] as const) {
        const sent = packets.filter((p) => p.src === side && p.dst === peer);
        assert.ok(
          sent.some((p) => p.sshProtocol.startsWith('SSH-2.0-')),
          `${file}: banner from ${side}`,
        );
        assert.ok(
          sent.some((p) => p.sshCode.split(',').includes('20')),
          `${file}: KEXINIT from ${side}`,
        );
      }
    }
  }
});

/** The dissector tshark must apply to every initiator payload packet of a class's flows. */
const CLASS_DISSECTORS: Record<string, string> = {
  'wireguard-51820': 'wg',
  'wireguard-odd-port': 'wg',
  'openvpn-udp': 'openvpn',
  'openvpn-tcp': 'openvpn',
  'http-plain': 'http',
  'http-gzip': 'http',
  'dns-udp': 'dns',
  'dns-tcp': 'dns',
  ntp: 'ntp',
  snmp: 'snmp',
  syslog: 'syslog',
  'redis-resp': 'resp',
};

test('tshark dissects plaintext, WireGuard and OpenVPN classes with their protocol, nothing malformed', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  for (const [cls, proto] of Object.entries(CLASS_DISSECTORS)) {
    const flows = labels.flows.filter((f) => f.class === cls);
    assert.ok(flows.length > 0, cls);
    const file = join(CORPUS_DIR, flows[0]!.file);
    const decode = [...new Set(flows.map((f) => `${f.transport}.port==${f.dstPort},${proto}`))];
    const packets = dissect(file, decode);
    for (const f of flows) {
      const sent = packets.filter(
        (p) => p.src === `${f.srcIp}|${f.srcPort}` && /:(tcp|udp):/.test(`${p.protocols}:`),
      );
      const withPayload = sent.filter((p) => !/:(tcp|udp)$/.test(p.protocols));
      assert.ok(withPayload.length > 0, `${cls}: payload from ${f.srcIp}`);
      for (const p of withPayload)
        assert.ok(p.protocols.split(':').includes(proto), `${cls}: ${p.protocols}`);
    }
    const malformed = tshark([
      '-r',
      file,
      ...decode.flatMap((d) => ['-d', d]),
      '-Y',
      '_ws.malformed || _ws.expert.severity >= 0x800000',
    ]);
    assert.equal(malformed.trim(), '', cls);
  }
});

test('tshark sees the WireGuard and OpenVPN handshakes start from the initiator', (t) => {
  const skip = tsharkSkip();
  if (skip) return t.skip(skip);
  const expectations = [
    {
      label: 'wireguard',
      proto: 'wg',
      first: (p: Dissected) => p.wgType === '1',
      reply: (p: Dissected) => p.wgType === '2',
    },
    {
      label: 'openvpn',
      proto: 'openvpn',
      first: (p: Dissected) => p.openvpnOpcode === '0x07',
      reply: (p: Dissected) => p.openvpnOpcode === '0x08',
    },
  ];
  for (const e of expectations) {
    const flows = labels.flows.filter((f) => f.label === e.label);
    assert.ok(flows.length > 0, e.label);
    for (const [file, mine] of byFile) {
      const these = mine.filter((f) => f.label === e.label);
      if (these.length === 0) continue;
      const packets = dissect(join(CORPUS_DIR, file), [
        ...new Set(these.map((f) => `${f.transport}.port==${f.dstPort},${e.proto}`)),
      ]);
      for (const f of these) {
        const client = `${f.srcIp}|${f.srcPort}`;
        const server = `${f.dstIp}|${f.dstPort}`;
        const flow = packets.filter(
          (p) => (p.src === client && p.dst === server) || (p.src === server && p.dst === client),
        );
        const firstPayload = flow.find((p) => p.protocols.includes(`:${e.proto}`));
        assert.ok(
          firstPayload && firstPayload.src === `${f.srcIp}|${f.srcPort}` && e.first(firstPayload),
          `${file}: first message`,
        );
        assert.ok(
          flow.some((p) => p.src === `${f.dstIp}|${f.dstPort}` && e.reply(p)),
          `${file}: responder's handshake`,
        );
      }
    }
  }
});
