import type { CaptureRejectReason } from '../errors.js';
import { LinkType } from './types.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Raw IP link: the version nibble tells IPv4 from IPv6. */
export const ETHERTYPE_BY_VERSION = -1;
/** A frame that is well formed but not IP. */
export const ETHERTYPE_NOT_IP = -2;

const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100, 0x9200]);
/** QinQ uses two; allow a few more for carrier stacks, bound for hostile frames. */
const MAX_VLAN_TAGS = 8;

/** BSD address families for IPv6 differ per OS (NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30), Linux 10. */
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

export interface LinkResult {
  /** Offset of the network-layer header. */
  offset: number;
  /** ETHERTYPE_IPV4/IPV6, ETHERTYPE_BY_VERSION or ETHERTYPE_NOT_IP. */
  etherType: number;
  vlanTags: number;
}

function afToEtherType(af: number): number {
  if (af === AF_INET) return ETHERTYPE_IPV4;
  return AF_INET6.has(af) ? ETHERTYPE_IPV6 : ETHERTYPE_NOT_IP;
}

/** Follows VLAN tags from an EtherType at `typeOff`; writes the payload offset and type. */
function afterEtherType(
  data: Uint8Array,
  typeOff: number,
  end: number,
  out: LinkResult,
): CaptureRejectReason | null {
  let off = typeOff;
  let type = (data[off]! << 8) | data[off + 1]!;
  off += 2;
  let tags = 0;
  while (VLAN_TAGS.has(type)) {
    if (++tags > MAX_VLAN_TAGS) return 'too-many-vlan-tags';
    if (end < off + 4) return 'truncated-link-header';
    type = (data[off + 2]! << 8) | data[off + 3]!;
    off += 4;
  }
  out.offset = off;
  out.vlanTags = tags;
  out.etherType = type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? type : ETHERTYPE_NOT_IP;
  return null;
}

/**
 * Strips the link-layer header of the frame data[start, end); null on success, else why it
 * was rejected. out.offset is absolute in `data`.
 */
export function decodeLink(
  linkType: number,
  data: Uint8Array,
  start: number,
  end: number,
  out: LinkResult,
): CaptureRejectReason | null {
  out.vlanTags = 0;
  const s = start;
  const length = end - start;
  switch (linkType) {
    case LinkType.ETHERNET:
      if (length < 14) return 'truncated-link-header';
      return afterEtherType(data, s + 12, end, out);
    case LinkType.LINUX_SLL:
      if (length < 16) return 'truncated-link-header';
      return afterEtherType(data, s + 14, end, out);
    case LinkType.LINUX_SLL2: {
      if (length < 20) return 'truncated-link-header';
      // SLL2 puts the protocol first and the rest of its header after it.
      const type = (data[s]! << 8) | data[s + 1]!;
      if (VLAN_TAGS.has(type)) {
        // The tag's TCI is at s+20, its inner EtherType at s+22.
        if (length < 24) return 'truncated-link-header';
        const r = afterEtherType(data, s + 22, end, out);
        out.vlanTags++;
        return r;
      }
      out.offset = s + 20;
      out.etherType = type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? type : ETHERTYPE_NOT_IP;
      return null;
    }
    case LinkType.RAW:
    case LinkType.RAW_BSD12:
    case LinkType.RAW_BSD14:
      out.offset = s;
      out.etherType = ETHERTYPE_BY_VERSION;
      return null;
    case LinkType.IPV4:
      out.offset = s;
      out.etherType = ETHERTYPE_IPV4;
      return null;
    case LinkType.IPV6:
      out.offset = s;
      out.etherType = ETHERTYPE_IPV6;
      return null;
    case LinkType.NULL: {
      if (length < 4) return 'truncated-link-header';
      // Host byte order of the capturing machine: families are small, so the zero half tells.
      const be =
        ((data[s]! << 24) | (data[s + 1]! << 16) | (data[s + 2]! << 8) | data[s + 3]!) >>> 0;
      const le =
        ((data[s + 3]! << 24) | (data[s + 2]! << 16) | (data[s + 1]! << 8) | data[s]!) >>> 0;
      out.offset = s + 4;
      out.etherType = afToEtherType(be < le ? be : le);
      return null;
    }
    case LinkType.LOOP: {
      if (length < 4) return 'truncated-link-header';
      const af =
        ((data[s]! << 24) | (data[s + 1]! << 16) | (data[s + 2]! << 8) | data[s + 3]!) >>> 0;
      out.offset = s + 4;
      out.etherType = afToEtherType(af);
      return null;
    }
    default:
      return 'unsupported-link-type';
  }
}
