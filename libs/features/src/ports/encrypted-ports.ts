import type { HandshakeProtocol } from '@opaqueflow/flow-model';

/** A port where an encrypted service is expected, and the protocols expected on it. */
export interface EncryptedPortEntry {
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
  readonly protocols: readonly string[];
  /** What usually runs there, for people reading the table. */
  readonly service: string;
}

type Row = readonly [number, 'tcp' | 'udp', readonly HandshakeProtocol[], string];

// Ports whose standard service is an encrypted channel with a recognisable key exchange.
// STARTTLS submission ports are listed because the upgrade is mandatory in practice there;
// ports where TLS is optional (25, 110, 143) are not.
const ROWS: readonly Row[] = [
  [22, 'tcp', ['ssh'], 'SSH'],
  [443, 'tcp', ['tls'], 'HTTPS'],
  [443, 'udp', ['quic', 'gquic', 'dtls'], 'HTTP/3 over QUIC'],
  [465, 'tcp', ['tls'], 'SMTP submission over TLS'],
  [500, 'udp', ['ike'], 'IKE/ISAKMP'],
  [587, 'tcp', ['smtp', 'starttls'], 'SMTP submission with STARTTLS'],
  [636, 'tcp', ['tls'], 'LDAP over TLS'],
  [853, 'tcp', ['tls'], 'DNS over TLS'],
  [853, 'udp', ['quic', 'dtls'], 'DNS over QUIC / DTLS'],
  [989, 'tcp', ['tls'], 'FTPS data'],
  [990, 'tcp', ['tls'], 'FTPS control'],
  [992, 'tcp', ['tls'], 'Telnet over TLS'],
  [993, 'tcp', ['tls'], 'IMAP over TLS'],
  [994, 'tcp', ['tls'], 'IRC over TLS'],
  [995, 'tcp', ['tls'], 'POP3 over TLS'],
  [1194, 'tcp', ['openvpn'], 'OpenVPN'],
  [1194, 'udp', ['openvpn'], 'OpenVPN'],
  [2376, 'tcp', ['tls'], 'Docker daemon over TLS'],
  [3269, 'tcp', ['tls'], 'LDAP global catalog over TLS'],
  [3389, 'tcp', ['rdp', 'tls'], 'RDP (TLS after the X.224 connection request)'],
  [4433, 'udp', ['quic', 'dtls'], 'QUIC/DTLS test and alternate port'],
  [4500, 'udp', ['ike'], 'IKE and ESP over UDP (NAT traversal)'],
  [5061, 'tcp', ['tls'], 'SIP over TLS'],
  [5223, 'tcp', ['tls'], 'XMPP over TLS (legacy), push notifications'],
  [5349, 'tcp', ['tls', 'stun'], 'STUN/TURN over TLS'],
  [5349, 'udp', ['dtls', 'stun'], 'STUN/TURN over DTLS'],
  [5671, 'tcp', ['tls'], 'AMQP over TLS'],
  [5684, 'udp', ['dtls'], 'CoAP over DTLS'],
  [5986, 'tcp', ['tls'], 'WinRM over HTTPS'],
  [6443, 'tcp', ['tls'], 'Kubernetes API server'],
  [6697, 'tcp', ['tls'], 'IRC over TLS'],
  [8443, 'tcp', ['tls'], 'HTTPS alternate'],
  [8883, 'tcp', ['tls'], 'MQTT over TLS'],
  [9443, 'tcp', ['tls'], 'HTTPS alternate'],
  [10250, 'tcp', ['tls'], 'Kubernetes kubelet API'],
  [51820, 'udp', ['wireguard'], 'WireGuard'],
];

export const DEFAULT_ENCRYPTED_PORTS: readonly EncryptedPortEntry[] = Object.freeze(
  ROWS.map(([port, transport, protocols, service]) =>
    Object.freeze({ port, transport, protocols: Object.freeze([...protocols]), service }),
  ),
);
