// tshark's per-packet view of corpus files, for the corpus tests: one run per file and rules.
import type { LabelEntry } from './corpus.js';
import { tshark } from './tshark.js';

export interface Dissected {
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
  readonly dtlsTypes: string;
  /** Expert-info severities of the packet (0x800000 = error, e.g. malformed). */
  readonly severities: readonly number[];
}

const dissected = new Map<string, Dissected[]>();

/** Per-packet dissection results, with `decodeAs` rules; one tshark run per file and rules. */
export function dissect(
  file: string,
  decodeAs: readonly string[],
  extra: readonly string[] = [],
): Dissected[] {
  const memo = `${file}\0${decodeAs.join(' ')}\0${extra.join(' ')}`;
  const known = dissected.get(memo);
  if (known) return known;
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
    '_ws.expert.severity',
    'dtls.handshake.type',
  ];
  const out = tshark([
    '-r',
    file,
    ...decodeAs.flatMap((d) => ['-d', d]),
    ...extra,
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
  const result = out
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
        severity = '',
        dtlsTypes = '',
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
        dtlsTypes,
        severities: severity
          .split(',')
          .filter((v) => v !== '')
          .map(Number),
      };
    });
  dissected.set(memo, result);
  return result;
}

/** Rules decoding a class's server ports as `proto`, for classes on ports tshark does not expect. */
export function decodeRules(flows: readonly LabelEntry[], proto: string): string[] {
  return [...new Set(flows.map((f) => `${f.transport}.port==${f.dstPort},${proto}`))];
}
