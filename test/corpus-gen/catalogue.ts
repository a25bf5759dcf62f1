// Every class of the corpus, in a fixed order: a class's position gives its addresses, so
// append new classes at the end to keep existing flows where they are.
import { compressedClasses } from './classes/compressed.js';
import { dnsClasses } from './classes/dns.js';
import { dtlsClasses } from './classes/dtls.js';
import { emptyClasses } from './classes/empty.js';
import { httpClasses } from './classes/http.js';
import { ikeClasses } from './classes/ike.js';
import { mediaClasses } from './classes/media.js';
import { opaqueClasses, opaqueMimicClasses } from './classes/opaque.js';
import { openvpnClasses } from './classes/openvpn.js';
import { plaintextClasses } from './classes/plaintext.js';
import { quicClasses } from './classes/quic.js';
import { sshClasses } from './classes/ssh.js';
import { starttlsClasses } from './classes/starttls.js';
import { tlsClasses, tlsRetryClasses, tlsSplitClasses } from './classes/tls.js';
import { wireguardClasses } from './classes/wireguard.js';
import type { FlowClass } from './classes/types.js';

export const catalogue: readonly FlowClass[] = [
  ...tlsClasses,
  ...sshClasses,
  ...httpClasses,
  ...dnsClasses,
  ...compressedClasses,
  ...opaqueClasses,
  ...plaintextClasses,
  ...wireguardClasses,
  ...openvpnClasses,
  ...quicClasses,
  ...ikeClasses,
  ...mediaClasses,
  ...starttlsClasses,
  ...emptyClasses,
  ...tlsSplitClasses,
  ...opaqueMimicClasses,
  ...dtlsClasses,
  ...tlsRetryClasses,
];
