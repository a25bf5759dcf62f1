import { CAPTURE_REJECT_REASONS } from '@opaqueflow/decoders';
import type { CaptureRejectReason, CaptureStats, IpfixFileResult } from '@opaqueflow/decoders';

/** What analyze tells the user about bytes, frames and flows it could not use, and why. */

const IPFIX_HEADER_BYTES = 16;
const IPFIX_VERSION = 10;

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function plural(count: number, word: string): string {
  return `${n(count)} ${word}${count === 1 ? '' : 's'}`;
}

function why(reason: CaptureRejectReason): string {
  return `${reason}: ${CAPTURE_REJECT_REASONS[reason]}`;
}

function counts(entries: readonly (readonly [string, number])[]): string {
  return entries.map(([reason, count]) => `${reason}: ${n(count)}`).join(', ');
}

/** A capture that yielded no packet at all. */
export function unreadableCapture(format: string, what: string, stats: CaptureStats): string {
  const stop = stats.stoppedAt!;
  return `unreadable ${format} ${what} (${why(stop.reason)}) at byte ${n(stop.byte)}; ${n(stats.bytesUnread)} of ${n(stats.bytesRead)} bytes unread`;
}

/** Partial loss in a capture that was read: one line per kind. */
export function captureNotes(stats: CaptureStats, gzip: boolean): string[] {
  const notes: string[] = [];
  const stop = stats.stoppedAt;
  if (stop !== null)
    notes.push(
      `stopped reading at byte ${n(stop.byte)}${gzip ? ' of the decompressed stream' : ''} (${why(stop.reason)}): ` +
        `${n(stats.bytesUnread)} bytes after it left unread, ${plural(stats.packetsRead, 'packet')} read before it`,
    );
  const rejected: [string, number][] = [];
  for (const [reason, count] of Object.entries(stats.rejected)) {
    // The frame or block that stopped the read is told above, with its offset.
    const frames = (count ?? 0) - (reason === stop?.reason ? 1 : 0);
    if (frames > 0) rejected.push([reason, frames]);
  }
  if (rejected.length > 0) {
    const total = rejected.reduce((sum, [, c]) => sum + c, 0);
    notes.push(`skipped ${n(total)} malformed frames or blocks (${counts(rejected)})`);
  }
  const unattributed = stats.ignored['ip-fragment-unattributed'] ?? 0;
  if (unattributed > 0)
    notes.push(
      `${plural(unattributed, 'IP fragment')} dropped: the first fragment of their datagram never arrived, so no flow could be told (their bytes and packets are not counted)`,
    );
  if (stats.ipDatagramsIncomplete > 0)
    notes.push(
      `${plural(stats.ipDatagramsIncomplete, 'fragmented IP datagram')} incomplete (fragments missing after 30 s or at the end): their flows got the bytes before the first gap`,
    );
  if (stats.tcpSegmentsDropped > 0)
    notes.push(
      `${n(stats.tcpSegmentsDropped)} out-of-order TCP segments dropped (too many gaps in one direction): payload prefixes may miss bytes`,
    );
  const cuts: [string, number][] = [];
  for (const reason of ['flow-limit', 'memory-limit', 'active-timeout'] as const) {
    const count = stats.evictions[reason] ?? 0;
    if (count > 0) cuts.push([reason, count]);
  }
  if (cuts.length > 0 || stats.flowsSplit > 0) {
    const total = cuts.reduce((sum, [, c]) => sum + c, 0);
    notes.push(
      `the flow table ended ${plural(total, 'flow')} early to stay within its bounds (${counts(cuts)}); ` +
        (stats.flowsSplit === 0
          ? 'none of them continued in a later record'
          : `${plural(stats.flowsSplit, 'later record')} continue${stats.flowsSplit === 1 ? 's' : ''} one of them, ` +
            'so those flows are split in two or more records (--all rows carry "split": true)'),
    );
  }
  return notes;
}

/** Why an IPFIX file's bytes at `at` are not a whole message. */
function ipfixStop(bytes: Uint8Array, at: number): string {
  const left = bytes.length - at;
  if (left < IPFIX_HEADER_BYTES) return `the file ends inside a message header (${n(left)} bytes)`;
  const version = (bytes[at]! << 8) | bytes[at + 1]!;
  const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
  if (version !== IPFIX_VERSION) return `not an IPFIX message header there (version ${version})`;
  if (length < IPFIX_HEADER_BYTES) return `a message length of ${length}, below the 16-byte header`;
  return `truncated: a message claims ${n(length)} bytes but only ${n(left)} remain`;
}

/** An IPFIX file without one whole message. */
export function ipfixUnreadable(bytes: Uint8Array, what: string): string {
  if (bytes.length < IPFIX_HEADER_BYTES)
    return `truncated IPFIX ${what}: ${n(bytes.length)} bytes, shorter than one 16-byte message header`;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length > bytes.length)
    return `truncated IPFIX ${what}: its first message claims ${n(length)} bytes, the ${what} holds ${n(bytes.length)}`;
  return `not an IPFIX ${what}: ${ipfixStop(bytes, 0)}`;
}

/** Partial loss in an IPFIX file that was read. */
export function ipfixNotes(bytes: Uint8Array, r: IpfixFileResult): string[] {
  const notes: string[] = [];
  if (r.trailingBytes > 0) {
    const at = bytes.length - r.trailingBytes;
    notes.push(
      `stopped reading at byte ${n(at)} (${ipfixStop(bytes, at)}): ${n(r.trailingBytes)} bytes left unread, ${plural(r.messages, 'message')} read before it`,
    );
  }
  const rejected: [string, number][] = [];
  for (const [reason, count] of Object.entries(r.stats.rejects))
    if (count > 0) rejected.push([reason, count]);
  if (rejected.length > 0) notes.push(`skipped malformed input (${counts(rejected)})`);
  return notes;
}
