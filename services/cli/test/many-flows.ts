// A capture with one short UDP flow per packet, built in memory: big inputs without a
// checked-in file (IPv4 checksums are left zero; the decoder does not verify them).

const LINKTYPE_RAW = 101;
const PAYLOAD = 16;

/** A classic pcap of `flows` single-packet UDP flows, 10.x.y.z:port → 192.0.2.1:9000. */
export function manyFlowsPcap(flows: number, startMs = Date.UTC(2026, 0, 1)): Buffer {
  const recordBytes = 16 + 20 + 8 + PAYLOAD;
  const out = Buffer.alloc(24 + flows * recordBytes);
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(65535, 16);
  out.writeUInt32LE(LINKTYPE_RAW, 20);
  let off = 24;
  for (let i = 0; i < flows; i++) {
    const ms = startMs + i; // one packet per millisecond, all within the idle timeout
    out.writeUInt32LE(Math.floor(ms / 1000), off);
    out.writeUInt32LE((ms % 1000) * 1000, off + 4);
    out.writeUInt32LE(20 + 8 + PAYLOAD, off + 8);
    out.writeUInt32LE(20 + 8 + PAYLOAD, off + 12);
    const ip = off + 16;
    out[ip] = 0x45;
    out.writeUInt16BE(20 + 8 + PAYLOAD, ip + 2);
    out[ip + 8] = 64;
    out[ip + 9] = 17;
    out[ip + 12] = 10;
    out[ip + 13] = (i >> 16) & 0xff;
    out[ip + 14] = (i >> 8) & 0xff;
    out[ip + 15] = i & 0xff;
    out.set([192, 0, 2, 1], ip + 16);
    const udp = ip + 20;
    out.writeUInt16BE(20000 + (i % 40000), udp);
    out.writeUInt16BE(9000, udp + 2);
    out.writeUInt16BE(8 + PAYLOAD, udp + 4);
    for (let b = 0; b < PAYLOAD; b++) out[udp + 8 + b] = (i * 31 + b * 7) & 0xff;
    off += recordBytes;
  }
  return out;
}
