// tshark as an independent referee of the committed corpus: conversations and packet counts,
// checksums, and each class recognised by its own dissector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRules, dissect, type Dissected } from './dissect.js';
import { CORPUS_DIR, flowsByFile, readLabels } from './labels.js';
import { flowKey } from './pcap-reader.js';
import { CHECKSUM_PREFS, conversationFrames, tshark, requireTshark } from './tshark.js';

const labels = readLabels();
const byFile = flowsByFile(labels);

/** All committed pcaps as one capture (same link type, distinct flows): fewer tshark runs. */
function mergedCorpus(): string {
  const parts = [...byFile.keys()].sort().map((f) => readFileSync(join(CORPUS_DIR, f)));
  const file = join(mkdtempSync(join(tmpdir(), 'corpus-merged-')), 'all.pcap');
  writeFileSync(
    file,
    Buffer.concat([parts[0]!.subarray(0, 24), ...parts.map((p) => p.subarray(24))]),
  );
  return file;
}

test('tshark lists exactly the labelled conversations with their packet counts', () => {
  requireTshark();
  assert.deepEqual(
    conversationFrames(mergedCorpus()),
    new Map(labels.flows.map((f) => [flowKey(f), f.packets])),
  );
});

test('tshark finds no bad checksum and no TCP analysis problem', () => {
  requireTshark();
  const bad = tshark([
    '-r',
    mergedCorpus(),
    ...CHECKSUM_PREFS,
    '-Y',
    'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || tcp.analysis.flags',
  ]);
  assert.equal(bad.trim(), '');
});

test('tshark recognises TLS flows as TLS, with the labelled SNI and ALPN', () => {
  requireTshark();
  const tlsFlows = labels.flows.filter((f) => f.label === 'tls');
  assert.ok(tlsFlows.length > 0);
  for (const [file, flows] of byFile) {
    const mine = flows.filter((f) => f.label === 'tls');
    if (mine.length === 0) continue;
    // STARTTLS flows start in their own protocol, whose dissector hands over to TLS itself.
    const packets = dissect(
      join(CORPUS_DIR, file),
      mine.some((f) => f.class.includes('starttls')) ? [] : decodeRules(mine, 'tls'),
    );
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

test('tshark recognises SSH flows as SSH from both sides', () => {
  requireTshark();
  for (const [file, flows] of byFile) {
    const mine = flows.filter((f) => f.label === 'ssh');
    if (mine.length === 0) continue;
    const packets = dissect(join(CORPUS_DIR, file), decodeRules(mine, 'ssh'));
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

interface Dissection {
  /** Decode the class's server ports as this dissector (when tshark would not by default). */
  readonly decode?: string;
  /** Protocols every initiator payload packet must be dissected as (one of). */
  readonly accept: readonly string[];
  readonly extra?: readonly string[];
}

const RTP_HEURISTIC = ['-o', 'rtp.heuristic_rtp:TRUE'];

const CLASS_DISSECTIONS: Record<string, Dissection> = {
  'wireguard-51820': { decode: 'wg', accept: ['wg'] },
  'wireguard-odd-port': { decode: 'wg', accept: ['wg'] },
  'openvpn-udp': { decode: 'openvpn', accept: ['openvpn'] },
  'openvpn-tcp': { decode: 'openvpn', accept: ['openvpn'] },
  'http-plain': { decode: 'http', accept: ['http'] },
  'http-gzip': { decode: 'http', accept: ['http'] },
  'dns-udp': { accept: ['dns'] },
  'dns-tcp': { accept: ['dns'] },
  ntp: { accept: ['ntp'] },
  snmp: { accept: ['snmp'] },
  syslog: { accept: ['syslog'] },
  'redis-resp': { decode: 'resp', accept: ['resp'] },
  ikev2: { accept: ['isakmp', 'esp'] },
  'webrtc-srtp': { accept: ['stun', 'rtp'], extra: RTP_HEURISTIC },
  'rtp-g711': { accept: ['rtp'], extra: RTP_HEURISTIC },
  'smtp-starttls': { accept: ['smtp', 'tls'] },
  dtls12: { decode: 'dtls', accept: ['dtls'] },
};

test('tshark dissects each protocol class with its dissector, nothing malformed', () => {
  requireTshark();
  for (const [cls, d] of Object.entries(CLASS_DISSECTIONS)) {
    const flows = labels.flows.filter((f) => f.class === cls);
    assert.ok(flows.length > 0, cls);
    const file = join(CORPUS_DIR, flows[0]!.file);
    const packets = dissect(file, d.decode ? decodeRules(flows, d.decode) : [], d.extra);
    for (const f of flows) {
      const sent = packets.filter(
        (p) => p.src === `${f.srcIp}|${f.srcPort}` && /:(tcp|udp):/.test(`${p.protocols}:`),
      );
      const withPayload = sent.filter((p) => !/:(tcp|udp)$/.test(p.protocols));
      assert.ok(withPayload.length > 0, `${cls}: payload from ${f.srcIp}`);
      for (const p of withPayload) {
        const layers = p.protocols.split(':');
        assert.ok(
          d.accept.some((a) => layers.includes(a)),
          `${cls}: ${p.protocols}`,
        );
      }
    }
    const errors = packets.filter((p) => p.severities.some((v) => v >= 0x800000));
    assert.equal(errors.length, 0, `${cls}: malformed or erroneous packets`);
  }
});

test('tshark sees the WireGuard and OpenVPN handshakes start from the initiator', () => {
  requireTshark();
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
      const packets = dissect(join(CORPUS_DIR, file), decodeRules(these, e.proto));
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

test('tshark decrypts QUIC flows with the generated key log and sees a whole TLS 1.3 handshake', () => {
  requireTshark();
  const quic = labels.flows.filter((f) => f.label === 'quic');
  assert.ok(quic.length > 0);
  for (const [file, flows] of byFile) {
    const mine = flows.filter((f) => f.label === 'quic');
    if (mine.length === 0) continue;
    const keys = join(CORPUS_DIR, file.replace(/\.pcap$/, '.keys'));
    assert.ok(existsSync(keys), `${keys} exists`);
    const packets = dissect(join(CORPUS_DIR, file), decodeRules(mine, 'quic'), [
      '-o',
      `tls.keylog_file:${keys}`,
    ]);
    for (const f of mine) {
      const client = `${f.srcIp}|${f.srcPort}`;
      const server = `${f.dstIp}|${f.dstPort}`;
      const types = (from: string, to: string): string[] =>
        packets
          .filter((p) => p.src === from && p.dst === to)
          .flatMap((p) => p.tlsTypes.split(',').filter((x) => x !== ''));
      // ClientHello and client Finished; ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished.
      assert.deepEqual(types(client, server), ['1', '20'], `${file}: client handshake`);
      assert.deepEqual(
        types(server, client),
        ['2', '8', '11', '15', '20'],
        `${file}: server handshake`,
      );
      const sni = /SNI (\S+?),/.exec(f.description)?.[1];
      assert.ok(
        packets.some((p) => p.src === client && p.sni === sni),
        `${file}: SNI ${sni}`,
      );
      assert.ok(
        packets
          .filter((p) => p.src === client || p.src === server)
          .some((p) => p.protocols.includes(':http3')),
        `${file}: 1-RTT decrypts`,
      );
    }
  }
});

test('tshark decrypts DTLS flows with the generated key log: cookie exchange, full handshake', () => {
  requireTshark();
  const flows = labels.flows.filter((f) => f.label === 'dtls');
  assert.ok(flows.length > 0);
  const file = join(CORPUS_DIR, flows[0]!.file);
  const keys = file.replace(/\.pcap$/, '.keys');
  const packets = dissect(file, decodeRules(flows, 'dtls'), ['-o', `tls.keylog_file:${keys}`]);
  for (const f of flows) {
    const client = `${f.srcIp}|${f.srcPort}`;
    const server = `${f.dstIp}|${f.dstPort}`;
    const types = (from: string, to: string): string[] =>
      packets
        .filter((p) => p.src === from && p.dst === to)
        .flatMap((p) => p.dtlsTypes.split(',').filter((x) => x !== ''));
    // Finished (20) is only visible once tshark has decrypted it with the key log.
    assert.deepEqual(types(client, server), ['1', '1', '16', '20'], `${file}: client`);
    assert.deepEqual(types(server, client), ['3', '2', '11', '12', '14', '20'], `${file}: server`);
  }
});
