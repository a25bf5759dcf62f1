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
}

const TCP: readonly Transport[] = ['tcp', 'other'];
const UDP: readonly Transport[] = ['udp', 'other'];
const BOTH: readonly Transport[] = ['tcp', 'udp', 'other'];

export const RECOGNISERS: readonly RegisteredRecogniser[] = [
  { name: 'tls', transports: TCP, run: (b) => recogniseTlsStream(b) },
  { name: 'ssh', transports: TCP, run: (b) => recogniseSsh(b) },
  { name: 'quic', transports: UDP, run: (b) => recogniseQuic(b) },
  { name: 'dtls', transports: UDP, run: recogniseDtls },
  { name: 'wireguard', transports: UDP, run: (b) => recogniseWireguard(b) },
  { name: 'ike', transports: UDP, run: recogniseIke },
  { name: 'openvpn-udp', transports: UDP, run: recogniseOpenvpnUdp },
  { name: 'openvpn-tcp', transports: TCP, run: recogniseOpenvpnTcp },
  { name: 'http', transports: TCP, run: (b) => recogniseHttp(b) },
  { name: 'smb', transports: TCP, run: (b) => recogniseSmb(b) },
  { name: 'rdp-tcp', transports: TCP, run: recogniseRdpTcp },
  { name: 'rdp-udp', transports: UDP, run: recogniseRdpUdp },
  { name: 'stun', transports: BOTH, run: recogniseStun },
  { name: 'rtcp', transports: UDP, run: (b) => recogniseRtcp(b) },
  { name: 'rtp', transports: UDP, run: (b) => recogniseRtp(b) },
  { name: 'mpegts', transports: BOTH, run: (b) => recogniseMpegts(b) },
  { name: 'dns-udp', transports: UDP, run: recogniseDnsUdp },
  { name: 'dns-tcp', transports: TCP, run: recogniseDnsTcp },
  { name: 'bittorrent-tcp', transports: TCP, run: (b) => recogniseBittorrentTcp(b) },
  { name: 'bittorrent-udp', transports: UDP, run: (b) => recogniseBittorrentUdp(b) },
  { name: 'ntp', transports: UDP, run: recogniseNtp },
  { name: 'snmp', transports: UDP, run: (b) => recogniseSnmp(b) },
  { name: 'syslog', transports: BOTH, run: recogniseSyslog },
  { name: 'collectd', transports: UDP, run: recogniseCollectd },
  { name: 'postgresql', transports: TCP, run: (b) => recognisePostgres(b) },
  { name: 'mysql', transports: TCP, run: (b) => recogniseMysqlGreeting(b) },
  { name: 'mongodb', transports: TCP, run: (b) => recogniseMongo(b) },
  { name: 'redis', transports: TCP, run: (b) => recogniseRedis(b) },
];
