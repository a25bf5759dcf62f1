// Database wire protocols, recognised so their binary framing is not mistaken for an opaque
// channel: PostgreSQL startup (protocol docs §55.2/55.7 "StartupMessage"), the MySQL
// initial handshake v10 (MySQL client/server protocol, "Protocol::HandshakeV10"), MongoDB
// messages (wire protocol: 16-byte header, OP_MSG 2013, OP_QUERY 2004, OP_COMPRESSED 2012),
// and Redis RESP (RESP2/RESP3 spec: "*<n>\r\n$<len>\r\n…").
import { ascii, allText, startsWithAscii, u24, u32, u32le, u8 } from './bytes.js';
import type { Recognition } from './result.js';

function plain(
  protocol: string,
  details: Record<string, string>,
  confidence: 1 | 2 | 3,
  version: string | null = null,
): Recognition {
  return {
    protocol: 'other-plaintext',
    keyExchange: false,
    version,
    details: { protocol, ...details },
    confidence,
  };
}

/** PostgreSQL codes in a StartupMessage/SSLRequest/CancelRequest/GSSENCRequest. */
export const PG_PROTOCOL_3 = 196608;
export const PG_SSL_REQUEST = 80877103;
export const PG_CANCEL = 80877102;
export const PG_GSSENC = 80877104;

export function recognisePostgres(b: Uint8Array): Recognition | null {
  const len = u32(b, 0);
  const code = u32(b, 4);
  if (len < 8 || len > 10000 || code < 0) return null;
  if (code === PG_CANCEL && len === 16)
    return plain('postgresql', { message: 'cancel_request' }, 3);
  if (code === PG_GSSENC && len === 8) return plain('postgresql', { message: 'gssenc_request' }, 3);
  if (code !== PG_PROTOCOL_3 && code !== 0x00020000) return null;
  // Parameters are NUL-terminated "name\0value\0" pairs; "user" is required (§55.7).
  const params = ascii(b, 8, Math.min(b.length, len));
  for (let i = 0; i < params.length; i++) {
    const c = params.charCodeAt(i);
    if (c !== 0 && (c < 0x20 || c > 0x7e)) return null;
  }
  const ok = params.startsWith('user\0') || params.includes('\0user\0') || params.length < 5;
  if (!ok && !/^[a-z_]+$/.test(params.split('\0')[0] ?? '')) return null;
  return plain(
    'postgresql',
    { message: 'startup' },
    b.length >= 13 ? 3 : 2,
    code === PG_PROTOCOL_3 ? '3.0' : '2.0',
  );
}

/** MySQL server greeting: 3-byte little-endian length, sequence 0, protocol 10, version string. */
export function recogniseMysqlGreeting(b: Uint8Array): Recognition | null {
  const len = u8(b, 0) | (u8(b, 1) << 8) | (u8(b, 2) << 16);
  if (u8(b, 2) < 0 || len < 20 || len > 1024) return null;
  if (u8(b, 3) !== 0 || u8(b, 4) !== 0x0a) return null;
  const end = b.indexOf(0, 5);
  const version = ascii(b, 5, end < 0 ? Math.min(b.length, 5 + 64) : end);
  if (!/^\d+\.\d+[\x20-\x7e]*$/.test(version) && !(end < 0 && /^\d*\.?\d*$/.test(version)))
    return null;
  const details: Record<string, string> = { message: 'greeting' };
  // Capability flags (lower 16 bits) sit after thread id (4), auth data (8) and a filler.
  const capsAt = end + 1 + 4 + 8 + 1;
  const caps = u8(b, capsAt) | (u8(b, capsAt + 1) << 8);
  if (end >= 0 && u8(b, capsAt + 1) >= 0 && (caps & 0x0800) !== 0) details.sslCapable = 'true';
  return plain('mysql', details, end >= 0 ? 3 : 2, version);
}

const MONGO_OPS: Record<number, string> = {
  1: 'OP_REPLY',
  2004: 'OP_QUERY',
  2012: 'OP_COMPRESSED',
  2013: 'OP_MSG',
};

export function recogniseMongo(b: Uint8Array): Recognition | null {
  const len = u32le(b, 0);
  const op = u32le(b, 12);
  if (len < 21 || len > 48 * 1024 * 1024 || op < 0) return null;
  const name = MONGO_OPS[op];
  if (name === undefined) return null;
  if (len < b.length && b.length - len < 16) return null;
  const details: Record<string, string> = { opCode: name };
  if (op === 2013) {
    // flagBits: only bits 0, 1 and 16 are defined; section kind 0 or 1 follows.
    const flags = u32le(b, 16);
    const kind = u8(b, 20);
    if (flags >= 0 && (flags & ~0x10003) !== 0) return null;
    if (kind > 1) return null;
    const docLen = u32le(b, 21);
    if (kind === 0 && docLen >= 0 && (docLen < 5 || docLen > len - 21)) return null;
  }
  return plain('mongodb', details, len === b.length ? 3 : 2);
}

export function recogniseRedis(b: Uint8Array): Recognition | null {
  // Client commands are arrays of bulk strings.
  const m = /^\*(\d{1,4})\r\n\$(\d{1,9})\r\n/.exec(ascii(b, 0, 32));
  if (m !== null) {
    const nameAt = m[0].length;
    const cmd = ascii(b, nameAt, nameAt + Math.min(16, Number(m[2])));
    return plain(
      'redis',
      cmd ? { message: 'command', command: cmd.toUpperCase() } : { message: 'command' },
      3,
    );
  }
  // Replies: simple string, error, integer (RESP2) — short text lines only.
  const head = ascii(b, 0, 64);
  if (
    /^(\+(OK|PONG|QUEUED)|-(ERR|WRONGTYPE|NOAUTH|NOPERM)|:\d+)\r\n/.test(head) &&
    allText(b, 0, 64)
  ) {
    return plain('redis', { message: 'reply' }, 2);
  }
  if (/^(PING|AUTH|HELLO \d|INFO)\r?\n/.test(head) || startsWithAscii(b, 'HELLO 3\r\n')) {
    return plain('redis', { message: 'inline_command' }, 2);
  }
  return null;
}

/** MySQL SSLRequest (client, sequence 1): capability flags with CLIENT_SSL (0x0800) and 23 zero bytes. */
export function isMysqlSslRequest(b: Uint8Array): boolean {
  if (u24(b, 0) < 0 || u8(b, 0) !== 32 || u8(b, 1) !== 0 || u8(b, 2) !== 0 || u8(b, 3) !== 1)
    return false;
  const caps = u32le(b, 4);
  if (caps < 0 || (caps & 0x0800) === 0 || (caps & 0x0200) === 0) return false;
  for (let i = 13; i < 36; i++) if (u8(b, i) !== 0 && u8(b, i) >= 0) return false;
  return true;
}
