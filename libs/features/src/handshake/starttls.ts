// STARTTLS-style upgrades, judged from both directions: a plaintext exchange that switches to
// TLS on the same connection. SMTP (RFC 3207), IMAP (RFC 9051 §6.2.1), POP3 STLS (RFC 2595
// §4), XMPP (RFC 6120 §5), FTP AUTH TLS (RFC 4217 §4), LDAP StartTLS extended operation
// (RFC 4511 §4.14, OID 1.3.6.1.4.1.1466.20037), PostgreSQL SSLRequest (protocol docs
// §55.2.10), MySQL SSLRequest (CLIENT_SSL capability). The same code names the plain
// protocol when no upgrade is asked for, or the server refuses it.
import { ascii, indexOfAscii, u32, u8 } from './bytes.js';
import { isMysqlSslRequest, PG_SSL_REQUEST, recogniseMysqlGreeting } from './database.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';
import { textLines, type TextLines } from './text-lines.js';
import { recogniseTlsStream, tlsRecordHeaderAt } from './tls.js';

type Plain = 'smtp' | 'imap' | 'pop3' | 'xmpp' | 'ftp';

function upgraded(
  underlying: string,
  state: 'upgraded' | 'requested',
  fwd: Uint8Array | null,
  fwdTlsAt: number,
  rev: Uint8Array | null,
  revTlsAt: number,
): Recognition {
  const client = fwd !== null && fwdTlsAt >= 0 ? recogniseTlsStream(fwd, fwdTlsAt) : null;
  const server = rev !== null && revTlsAt >= 0 ? recogniseTlsStream(rev, revTlsAt) : null;
  const details: Record<string, string> = {
    protocol: underlying,
    upgrade: client !== null || server !== null ? 'upgraded' : state,
  };
  for (const [k, v] of Object.entries(client?.details ?? {})) details[`tls.${k}`] = v;
  return {
    protocol: 'starttls',
    keyExchange: true,
    version: server?.version ?? client?.version ?? null,
    sni: client?.sni ?? null,
    alpn: client?.alpn ?? [],
    ja4: client?.ja4 ?? null,
    details,
    confidence: 3,
  };
}

function plain(
  protocol: Plain,
  details: Record<string, string>,
  confidence: 1 | 2 | 3,
): Recognition {
  if (protocol === 'ftp') {
    return {
      protocol: 'other-plaintext',
      keyExchange: false,
      version: null,
      details: { protocol: 'ftp', ...details },
      confidence,
    };
  }
  return { protocol, keyExchange: false, version: null, details, confidence };
}

/** Offset of a TLS handshake record right after the plaintext lines, or -1. */
function tlsAfter(b: Uint8Array | null, t: TextLines | null): number {
  if (b === null || t === null || t.binaryAt < 0) return -1;
  return u8(b, t.binaryAt) === 22 && tlsRecordHeaderAt(b, t.binaryAt) ? t.binaryAt : -1;
}

const up = (s: string) => s.toUpperCase();

/** Reply lines after the banner and the command's own replies; the last code answers STARTTLS. */
function finalReply(lines: readonly string[], from: number): string | null {
  for (let i = lines.length - 1; i >= from; i--) {
    const l = lines[i] ?? '';
    if (/^\d{3} /.test(l)) return l.slice(0, 3);
  }
  return null;
}

function smtpOrFtp(
  f: TextLines | null,
  r: TextLines | null,
  fwd: Uint8Array | null,
  rev: Uint8Array | null,
  ctx: RecogniseContext,
): Recognition | null {
  const banner = r?.lines[0] ?? r?.partial ?? '';
  const hasBanner = /^220[ -]/.test(banner);
  const cmds = (f?.lines ?? []).map(up);
  const first = cmds[0] ?? up(f?.partial ?? '');
  const smtpCmd = /^(EHLO|HELO|LHLO) /.test(first);
  const ftpCmd = /^(USER |AUTH (TLS|SSL|TLS-C)|FEAT|SYST|OPTS )/.test(first);
  let proto: 'smtp' | 'ftp' | null = smtpCmd ? 'smtp' : ftpCmd ? 'ftp' : null;
  if (proto === null && hasBanner) {
    if (/FTP/i.test(banner) || hasPort(ctx, 21)) proto = 'ftp';
    else if (/SMTP|MAIL|POSTFIX|EXIM|SENDMAIL/i.test(banner) || hasPort(ctx, 25, 587, 465, 2525))
      proto = 'smtp';
  }
  if (proto === null || (!hasBanner && !smtpCmd && !ftpCmd)) return null;
  // Both greet with 220 (RFC 5321 §4.2, RFC 959 §4.2): a server that said something else
  // is another protocol sharing the command (POP3 and FTP both have USER).
  if (!hasBanner && banner.length > 0) return null;
  const askIdx =
    proto === 'smtp'
      ? cmds.indexOf('STARTTLS')
      : cmds.findIndex((c) => /^AUTH (TLS|SSL|TLS-C)$/.test(c));
  if (askIdx < 0)
    return plain(
      proto,
      { message: hasBanner ? 'banner' : 'command' },
      hasBanner && (smtpCmd || ftpCmd) ? 3 : 2,
    );
  const fTls = tlsAfter(fwd, f);
  const rTls = tlsAfter(rev, r);
  // The server's last complete reply: 220/234 accept (RFC 3207 §4, RFC 4217 §4), 4xx/5xx refuse.
  const reply = finalReply(r?.lines ?? [], 1);
  if (fTls < 0 && reply !== null && /^[45]/.test(reply) && rTls < 0) {
    return plain(proto, { message: 'starttls_refused', reply }, 3);
  }
  return upgraded(proto, 'requested', fwd, fTls, rev, rTls);
}

function imap(
  f: TextLines | null,
  r: TextLines | null,
  fwd: Uint8Array | null,
  rev: Uint8Array | null,
): Recognition | null {
  const banner = r?.lines[0] ?? r?.partial ?? '';
  const hasBanner = /^\* (OK|PREAUTH)( |$)/i.test(banner);
  const cmds = (f?.lines ?? []).map(up);
  const first = cmds[0] ?? up(f?.partial ?? '');
  const imapCmd = /^[A-Z0-9.]{1,16} (CAPABILITY|STARTTLS|LOGIN|AUTHENTICATE|ID|NOOP)( |$)/.test(
    first,
  );
  if (!hasBanner && !imapCmd) return null;
  const ask = cmds.findIndex((c) => /^[A-Z0-9.]{1,16} STARTTLS$/.test(c));
  if (ask < 0) return plain('imap', {}, hasBanner && imapCmd ? 3 : 2);
  const tag = (cmds[ask] ?? '').split(' ')[0] ?? '';
  const refused = (r?.lines ?? []).some(
    (l) => up(l).startsWith(`${tag} NO`) || up(l).startsWith(`${tag} BAD`),
  );
  const fTls = tlsAfter(fwd, f);
  if (refused && fTls < 0) return plain('imap', { message: 'starttls_refused' }, 3);
  return upgraded('imap', 'requested', fwd, fTls, rev, tlsAfter(rev, r));
}

function pop3(
  f: TextLines | null,
  r: TextLines | null,
  fwd: Uint8Array | null,
  rev: Uint8Array | null,
): Recognition | null {
  const banner = r?.lines[0] ?? r?.partial ?? '';
  // "+OK " with text: a bare "+OK" line is also a Redis reply.
  const hasBanner = /^\+OK \S/.test(banner);
  const cmds = (f?.lines ?? []).map(up);
  const first = cmds[0] ?? up(f?.partial ?? '');
  const popCmd =
    /^(CAPA|STLS|USER \S|APOP \S|AUTH( |$))/.test(first) && !/^AUTH (TLS|SSL)/.test(first);
  if (!hasBanner && !(popCmd && cmds.length > 0)) return null;
  const ask = cmds.indexOf('STLS');
  if (ask < 0) return plain('pop3', {}, hasBanner && popCmd ? 3 : 2);
  const fTls = tlsAfter(fwd, f);
  const refused = (r?.lines ?? []).slice(1).some((l) => l.startsWith('-ERR'));
  if (refused && fTls < 0) return plain('pop3', { message: 'starttls_refused' }, 3);
  return upgraded('pop3', 'requested', fwd, fTls, rev, tlsAfter(rev, r));
}

function xmpp(fwd: Uint8Array | null, rev: Uint8Array | null): Recognition | null {
  const f = fwd ?? new Uint8Array(0);
  const r = rev ?? new Uint8Array(0);
  const open = (b: Uint8Array) =>
    indexOfAscii(b, '<stream:stream', 0, 256) >= 0 || indexOfAscii(b, '<?xml', 0, 8) === 0;
  if (!open(f) && !open(r)) return null;
  if (!(
    indexOfAscii(f, 'jabber', 0, 512) >= 0 ||
    indexOfAscii(r, 'jabber', 0, 512) >= 0 ||
    indexOfAscii(f, 'xmpp', 0, 512) >= 0
  )) {
    return null;
  }
  const ask = indexOfAscii(f, '<starttls', 0, 4096);
  if (ask < 0) return plain('xmpp', {}, 3);
  const proceed = indexOfAscii(r, '<proceed', 0, 4096);
  if (indexOfAscii(r, '<failure', 0, 4096) >= 0 && proceed < 0)
    return plain('xmpp', { message: 'starttls_refused' }, 3);
  // The client's TLS follows its <starttls/> element, after the server's <proceed/>.
  const close = indexOfAscii(f, '/>', ask, 256);
  const fTls = close >= 0 && tlsRecordHeaderAt(f, close + 2) ? close + 2 : -1;
  return upgraded('xmpp', 'requested', fwd, fTls, rev, -1);
}

/** LDAP ExtendedRequest ([APPLICATION 23] = 0x77) whose requestName is the StartTLS OID. */
function ldap(fwd: Uint8Array | null): Recognition | null {
  if (fwd === null || u8(fwd, 0) !== 0x30) return null;
  const oid = indexOfAscii(fwd, '1.3.6.1.4.1.1466.20037', 0, 40);
  if (oid < 0) return null;
  const op = indexOfAscii(fwd, '\x77', 2, 12);
  if (op < 0 || op > oid) return null;
  const msgEnd = oid + 22;
  return upgraded('ldap', 'requested', fwd, tlsRecordHeaderAt(fwd, msgEnd) ? msgEnd : -1, null, -1);
}

function postgres(fwd: Uint8Array | null, rev: Uint8Array | null): Recognition | null {
  if (fwd === null || u32(fwd, 0) !== 8 || u32(fwd, 4) !== PG_SSL_REQUEST) return null;
  // The server answers one byte: 'S' to go ahead, 'N' to refuse (then a plain startup follows).
  const answer = rev === null ? -1 : u8(rev, 0);
  if (answer === 0x4e) {
    return {
      protocol: 'other-plaintext',
      keyExchange: false,
      version: null,
      details: { protocol: 'postgresql', message: 'ssl_refused' },
      confidence: 3,
    };
  }
  return upgraded(
    'postgresql',
    'requested',
    fwd,
    fwd.length > 8 ? 8 : -1,
    rev,
    answer === 0x53 && rev !== null && rev.length > 1 ? 1 : -1,
  );
}

function mysql(fwd: Uint8Array | null, rev: Uint8Array | null): Recognition | null {
  if (fwd === null || !isMysqlSslRequest(fwd)) return null;
  if (rev !== null && recogniseMysqlGreeting(rev) === null) return null;
  return upgraded('mysql', 'requested', fwd, fwd.length > 36 ? 36 : -1, null, -1);
}

const CLIENT_START =
  /^(EHLO |HELO |LHLO |USER |AUTH |FEAT|SYST|OPTS |CAPA|STLS|APOP |<\?xml|<stream:stream|[A-Za-z0-9.]{1,16} (CAPABILITY|STARTTLS|LOGIN|AUTHENTICATE|ID|NOOP))/i;
const SERVER_START = /^(220[ -]|\* OK|\* PREAUTH|\+OK |<\?xml|<stream:stream)/i;

/** Flow-level recognition of text protocols and their STARTTLS upgrades. */
export function recogniseUpgrade(
  fwd: Uint8Array | null,
  rev: Uint8Array | null,
  ctx: RecogniseContext,
): Recognition | null {
  const binary = ldap(fwd) ?? postgres(fwd, rev) ?? mysql(fwd, rev);
  if (binary !== null) return binary;
  // Cheap gate on the first bytes before splitting lines: most flows are not mail/FTP/XMPP.
  const fHead = fwd !== null ? ascii(fwd, 0, 32) : '';
  const rHead = rev !== null ? ascii(rev, 0, 16) : '';
  if (!CLIENT_START.test(fHead) && !SERVER_START.test(rHead)) return null;
  const f = fwd !== null ? textLines(fwd) : null;
  const r = rev !== null ? textLines(rev) : null;
  const anyText = (t: TextLines | null) =>
    t !== null && (t.lines.length > 0 || (t.partial?.length ?? 0) >= 4);
  if (!anyText(f) && !anyText(r)) return null;
  return (
    smtpOrFtp(f, r, fwd, rev, ctx) ?? imap(f, r, fwd, rev) ?? pop3(f, r, fwd, rev) ?? xmpp(fwd, rev)
  );
}
