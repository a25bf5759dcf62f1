// JA4 TLS client fingerprint (FoxIO, "JA4: TLS Client Fingerprint", technical details):
//   ja4_a = protocol (t TCP, q QUIC, d DTLS) + version (2 chars) + SNI (d domain / i none)
//           + cipher count (2 digits) + extension count (2 digits) + first/last ALPN chars
//   ja4_b = sha256 of the sorted cipher suites as 4-hex, comma-separated, first 12 hex
//   ja4_c = sha256 of the sorted extensions without SNI and ALPN, then "_" and the
//           signature algorithms in wire order, first 12 hex
// GREASE values are ignored everywhere.
import { createHash } from 'node:crypto';
import { offeredVersion, isGrease, type ClientHelloInfo } from './tls-hello.js';

export type Ja4Transport = 't' | 'q' | 'd';

const EMPTY_HASH = '000000000000';

function versionCode(v: number): string {
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
    default:
      return '00';
  }
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function twoDigits(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function alpnCode(alpn: readonly string[]): string {
  const first = alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const a = first[0] ?? '0';
  const z = first[first.length - 1] ?? '0';
  if (isAlnum(a) && isAlnum(z)) return a + z;
  // Non-alphanumeric ALPN bytes: first char of the hex of the first byte and last char
  // of the hex of the last byte, so the fingerprint stays printable.
  const h = Buffer.from(first, 'latin1').toString('hex');
  return (h[0] ?? '0') + (h[h.length - 1] ?? '0');
}

function truncatedSha256(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** JA4 of a parsed ClientHello; null when the hello was cut before its extensions ended. */
export function ja4Of(ch: ClientHelloInfo, transport: Ja4Transport): string | null {
  if (!ch.complete) return null;
  const version = offeredVersion(ch);
  const ciphers = ch.ciphers.filter((c) => !isGrease(c));
  const exts = ch.extensions.filter((e) => !isGrease(e));
  const a =
    transport +
    versionCode(version) +
    (ch.sni !== null && !isIpLiteral(ch.sni) ? 'd' : 'i') +
    twoDigits(ciphers.length) +
    twoDigits(exts.length) +
    alpnCode(ch.alpn);
  const b =
    ciphers.length === 0
      ? EMPTY_HASH
      : truncatedSha256(
          [...ciphers]
            .sort((x, y) => x - y)
            .map(hex4)
            .join(','),
        );
  const cExts = exts.filter((e) => e !== 0x0000 && e !== 0x0010).sort((x, y) => x - y);
  const sigs = ch.signatureAlgorithms.filter((s) => !isGrease(s));
  let cInput = cExts.map(hex4).join(',');
  if (sigs.length > 0) cInput += '_' + sigs.map(hex4).join(',');
  const c = cExts.length === 0 ? EMPTY_HASH : truncatedSha256(cInput);
  return `${a}_${b}_${c}`;
}

/** JA4 marks "i" when the client connects to an IP address, even if it put it in the SNI. */
function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}
