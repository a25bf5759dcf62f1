// Which recognisers run on which transport, in order of preference on equal confidence:
// key exchanges before plaintext, specific shapes before loose ones.
import type { Transport } from '@opaqueflow/flow-model';
import { recogniseBittorrentTcp, recogniseBittorrentUdp } from './bittorrent.js';
import { recogniseCollectd } from './collectd.js';
import {
  recogniseMongo,
  recogniseMysqlGreeting,
  recognisePostgres,
  recogniseRedis,
} from './database.js';
import { recogniseDnsTcp, recogniseDnsUdp } from './dns.js';
import { recogniseDtls } from './dtls.js';
import { recogniseHttp } from './http.js';
import { recogniseIke } from './ike.js';
import { recogniseMpegts } from './mpegts.js';
import { recogniseNtp } from './ntp.js';
import { recogniseOpenvpnTcp, recogniseOpenvpnUdp } from './openvpn.js';
import { recogniseQuic } from './quic.js';
import { recogniseRdpTcp, recogniseRdpUdp } from './rdp.js';
import type { Recogniser } from './result.js';
import { recogniseRtcp, recogniseRtp } from './rtp.js';
import { recogniseSmb } from './smb.js';
import { recogniseSnmp } from './snmp.js';
import { recogniseSsh } from './ssh.js';
import { recogniseStun } from './stun.js';
import { recogniseSyslog } from './syslog.js';
import { recogniseTlsStream } from './tls.js';
import { recogniseWireguard } from './wireguard.js';

export interface RegisteredRecogniser {
  readonly name: string;
  readonly transports: readonly Transport[];
  readonly run: Recogniser;
  /** Ports where this protocol is standard: on equal confidence, a port match wins. */
  readonly ports?: readonly number[];
}

const TCP: readonly Transport[] = ['tcp', 'other'];
const UDP: readonly Transport[] = ['udp', 'other'];
const BOTH: readonly Transport[] = ['tcp', 'udp', 'other'];

export const RECOGNISERS: readonly RegisteredRecogniser[] = [
  {
    name: 'tls',
    transports: TCP,
    run: (b) => recogniseTlsStream(b),
    ports: [443, 8443, 465, 636, 853, 993, 995, 5061, 6514],
  },
  { name: 'ssh', transports: TCP, run: (b) => recogniseSsh(b), ports: [22] },
  { name: 'quic', transports: UDP, run: (b) => recogniseQuic(b), ports: [443, 80, 853] },
  { name: 'dtls', transports: UDP, run: recogniseDtls },
  { name: 'wireguard', transports: UDP, run: (b) => recogniseWireguard(b), ports: [51820] },
  { name: 'ike', transports: UDP, run: recogniseIke, ports: [500, 4500] },
  { name: 'openvpn-udp', transports: UDP, run: recogniseOpenvpnUdp, ports: [1194] },
  { name: 'openvpn-tcp', transports: TCP, run: recogniseOpenvpnTcp, ports: [1194] },
  { name: 'http', transports: TCP, run: (b) => recogniseHttp(b) },
  { name: 'smb', transports: TCP, run: (b) => recogniseSmb(b), ports: [139, 445] },
  { name: 'rdp-tcp', transports: TCP, run: recogniseRdpTcp, ports: [3389] },
  { name: 'rdp-udp', transports: UDP, run: recogniseRdpUdp, ports: [3389] },
  { name: 'stun', transports: BOTH, run: recogniseStun, ports: [3478, 5349] },
  { name: 'rtcp', transports: UDP, run: (b) => recogniseRtcp(b) },
  { name: 'rtp', transports: UDP, run: (b) => recogniseRtp(b) },
  { name: 'mpegts', transports: BOTH, run: (b) => recogniseMpegts(b) },
  { name: 'dns-udp', transports: UDP, run: recogniseDnsUdp, ports: [53, 5353, 5355] },
  { name: 'dns-tcp', transports: TCP, run: recogniseDnsTcp, ports: [53] },
  { name: 'bittorrent-tcp', transports: TCP, run: (b) => recogniseBittorrentTcp(b) },
  { name: 'bittorrent-udp', transports: UDP, run: (b) => recogniseBittorrentUdp(b) },
  { name: 'ntp', transports: UDP, run: recogniseNtp, ports: [123] },
  { name: 'snmp', transports: UDP, run: (b) => recogniseSnmp(b), ports: [161, 162] },
  { name: 'syslog', transports: BOTH, run: recogniseSyslog },
  { name: 'collectd', transports: UDP, run: recogniseCollectd },
  { name: 'postgresql', transports: TCP, run: (b) => recognisePostgres(b) },
  { name: 'mysql', transports: TCP, run: (b) => recogniseMysqlGreeting(b) },
  { name: 'mongodb', transports: TCP, run: (b) => recogniseMongo(b) },
  { name: 'redis', transports: TCP, run: (b) => recogniseRedis(b) },
];
