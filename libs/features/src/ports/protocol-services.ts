/**
 * IANA service names under which a recognised protocol is standard. A protocol seen on a port
 * registered under one of these names is on its standard port even when the encrypted-port
 * table does not list it (HTTP on 8080 "http-alt", DNS on 5353 "mdns").
 */
export const PROTOCOL_SERVICE_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  tls: ['https', 'imaps', 'pop3s', 'ldaps', 'ftps', 'ftps-data', 'telnets', 'ircs-u', 'sips'],
  dtls: ['https', 'domain-s', 'coaps', 'stuns', 'turns'],
  quic: ['https', 'domain-s'],
  gquic: ['https'],
  ssh: ['ssh'],
  openvpn: ['openvpn'],
  ike: ['isakmp', 'ipsec-nat-t'],
  starttls: ['smtp', 'submission', 'imap', 'pop3', 'xmpp-client', 'xmpp-server', 'ldap'],
  stun: ['stun', 'turn', 'stuns', 'turns'],
  http: ['http', 'www', 'www-http', 'http-alt', 'http-mgmt', 'webcache', 'http-proxy'],
  dns: ['domain', 'mdns', 'llmnr'],
  smb: ['microsoft-ds', 'netbios-ssn'],
  rdp: ['ms-wbt-server'],
  bittorrent: ['bittorrent-tracker'],
  smtp: ['smtp', 'submission'],
  imap: ['imap', 'imap3'],
  pop3: ['pop3', 'pop2'],
  xmpp: ['xmpp-client', 'xmpp-server'],
  ntp: ['ntp'],
  snmp: ['snmp', 'snmptrap'],
});
