// Syslog: "<PRI>" with PRI = facility * 8 + severity ≤ 191, then RFC 5424 §6 ("1 " and a
// timestamp or "-") or the BSD form of RFC 3164 §4.1.2 ("Mmm dd hh:mm:ss"). Over TCP,
// RFC 6587 §3.4.1 octet counting puts "LEN " before each message.
import { ascii, allText } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const RFC5424 = /^<(\d{1,3})>1 (-|\d{4}-\d\d-\d\dT)/;
const RFC3164 = /^<(\d{1,3})>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d /;
const LOOSE = /^<(\d{1,3})>[\x20-\x7e]/;

export function recogniseSyslog(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  if (b.length < 4) return null;
  let head = ascii(b, 0, 48);
  let framing = 'none';
  const counted = /^(\d{1,5}) </.exec(head);
  if (counted !== null && ctx.transport !== 'udp') {
    head = head.slice((counted[1] ?? '').length + 1);
    framing = 'octet-counting';
  }
  const m = RFC5424.exec(head) ?? RFC3164.exec(head);
  const loose = m === null && hasPort(ctx, 514, 601) ? LOOSE.exec(head) : null;
  const hit = m ?? loose;
  if (hit === null) return null;
  if (Number(hit[1]) > 191) return null;
  if (!allText(b, 0, 256)) return null;
  return {
    protocol: 'other-plaintext',
    keyExchange: false,
    version: m === null ? null : RFC5424.test(head) ? 'rfc5424' : 'rfc3164',
    details: { protocol: 'syslog', framing },
    confidence: m !== null ? 3 : 2,
  };
}
