// SMB over NetBIOS session service or direct TCP 445 (RFC 1002 §4.3; MS-SMB2 §2.1): a 4-byte
// header (type 0x00, 24-bit length) then "\xffSMB" (SMB1), "\xfeSMB" (SMB2/3), "\xfdSMB"
// (SMB3 transform: encrypted message) or "\xfcSMB" (SMB3 compression). A NetBIOS session
// request (type 0x81) opens port 139.
import { u16le, u24, u8, startsWithAscii } from './bytes.js';
import type { Recognition } from './result.js';

const DIALECT: Record<number, string> = {
  0xff: 'SMB1',
  0xfe: 'SMB2',
  0xfd: 'SMB3-transform',
  0xfc: 'SMB3-compressed',
};

export function recogniseSmb(b: Uint8Array): Recognition | null {
  const type = u8(b, 0);
  if (type === 0x81) return netbiosSessionRequest(b);
  if (type !== 0x00) return null;
  const len = u24(b, 1);
  if (len < 0) return null;
  // RFC 1002 allows 17 bits; MS-SMB2 direct TCP uses 24. Smallest SMB1 header is 32 bytes.
  if (len < 32 || len > 0xffffff) return null;
  const marker = u8(b, 4);
  const dialect = DIALECT[marker];
  if (dialect === undefined) return null;
  const details: Record<string, string> = { dialect };
  if (b.length < 8) {
    if (!startsWithAscii(b.subarray(5), 'SMB'.slice(0, b.length - 5))) return null;
    return {
      protocol: 'smb',
      keyExchange: false,
      version: dialect,
      details: { ...details, truncated: 'true' },
      confidence: 1,
    };
  }
  if (!startsWithAscii(b, 'SMB', 5)) return null;
  if (marker === 0xfe) {
    // MS-SMB2 §2.2.1: StructureSize is 64, Command < 0x13.
    const size = u16le(b, 8);
    const command = u16le(b, 16);
    if (size >= 0 && size !== 64) return null;
    if (command >= 0x13) return null;
    if (command >= 0) details.command = String(command);
  }
  if (marker === 0xfd) details.encrypted = 'true';
  return { protocol: 'smb', keyExchange: false, version: dialect, details, confidence: 3 };
}

/** RFC 1002 §4.3.2: two first-level encoded NetBIOS names (0x20 then 32 chars 'A'–'P'). */
function netbiosSessionRequest(b: Uint8Array): Recognition | null {
  if (u8(b, 1) !== 0 || u16le(b, 2) < 0) return null;
  if (u8(b, 4) !== 0x20) return null;
  for (let i = 5; i < Math.min(b.length, 37); i++) {
    const c = u8(b, i);
    if (c < 0x41 || c > 0x50) return null;
  }
  return {
    protocol: 'smb',
    keyExchange: false,
    version: null,
    details: { message: 'netbios_session_request' },
    confidence: b.length >= 37 ? 3 : 1,
  };
}
