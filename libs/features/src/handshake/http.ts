// HTTP/1.x request and status lines (RFC 9112 §3, §4) and the HTTP/2 connection preface
// (RFC 9113 §3.4). A CONNECT request followed by a TLS record is a proxied TLS tunnel
// (RFC 9110 §9.3.6): the TLS inside is what the flow carries.
import { ascii, indexOfAscii, lineEnd, prefixOfAscii, startsWithAscii, u8 } from './bytes.js';
import type { Recognition } from './result.js';
import { recogniseTlsStream } from './tls.js';

const METHODS = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PATCH',
  // WebDAV (RFC 4918) and friends, common on intranets.
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'REPORT',
  'SEARCH',
];

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

function http(
  details: Record<string, string>,
  version: string | null,
  confidence: 1 | 2 | 3,
): Recognition {
  return { protocol: 'http', keyExchange: false, version, details, confidence };
}

export function recogniseHttp(b: Uint8Array): Recognition | null {
  if (b.length < 4) return null;
  if (prefixOfAscii(b, PREFACE) && b.length >= 4) {
    return http({ preface: 'h2' }, '2', b.length >= PREFACE.length ? 3 : 2);
  }
  if (startsWithAscii(b, 'HTTP/')) {
    const e = lineEnd(b, 0, 256);
    const line = ascii(b, 0, e < 0 ? Math.min(b.length, 256) : e);
    const m = /^HTTP\/(1\.[01]|2|3) ([1-5]\d\d)(?: |$)/.exec(line);
    if (m !== null) return http({ message: 'response', status: m[2] ?? '' }, m[1] ?? null, 3);
    return b.length < 12 && /^HTTP\/[0-9.]*( \d{0,3})?$/.test(line)
      ? http({ message: 'response', truncated: 'true' }, null, 2)
      : null;
  }
  for (const method of METHODS) {
    if (!startsWithAscii(b, method + ' ')) continue;
    const end = lineEnd(b, 0, 8192);
    const line = ascii(b, 0, end < 0 ? Math.min(b.length, 8192) : end);
    // method SP request-target SP HTTP-version (RFC 9112 §3); a cut line may stop anywhere.
    const tokens = line.split(' ');
    if (tokens.length > 3 || !/^[\x21-\x7e]*$/.test(tokens[1] ?? '')) return null;
    const version = tokens[2];
    if (
      version !== undefined &&
      !(end < 0 ? 'HTTP/1.1'.startsWith(version.slice(0, 7)) : /^HTTP\/1\.[01]$/.test(version))
    ) {
      return null;
    }
    const details: Record<string, string> = { message: 'request', method };
    if (end < 0) {
      details.truncated = 'true';
      return http(details, null, line.length >= method.length + 3 ? 2 : 1);
    }
    const v = /HTTP\/(1\.[01])$/.exec(line);
    if (v === null || version === undefined) return null;
    if (method === 'CONNECT') {
      const tunnel = connectTunnel(b);
      if (tunnel !== null) return tunnel;
    }
    return http(details, v[1] ?? null, 3);
  }
  return null;
}

/** A CONNECT request whose headers end and are followed by TLS (the client does not wait). */
function connectTunnel(b: Uint8Array): Recognition | null {
  const end = indexOfAscii(b, '\r\n\r\n', 0, 8192);
  if (end < 0 || u8(b, end + 4) < 0) return null;
  const tls = recogniseTlsStream(b, end + 4);
  if (tls === null) return null;
  const target = /^CONNECT (\S+)/.exec(ascii(b, 0, 300))?.[1] ?? '';
  return { ...tls, details: { ...tls.details, via: 'http-connect', connectTarget: target } };
}
