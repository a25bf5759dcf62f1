import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { assertSplits, concat, recognise, u16be, u32be } from './helpers.js';

const TCP = { transport: 'tcp', dstPort: 8080 } as const;
const UDP = { transport: 'udp', srcPort: 40000, dstPort: 40001 } as const;

describe('plaintext protocols that must not look opaque', () => {
  it('HTTP/1.1 request and response, HTTP/2 preface, CONNECT tunnel carrying TLS', () => {
    const req = Buffer.from(
      'GET /index.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n',
    );
    const info = recognise(req, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'), TCP);
    assert.equal(info.protocol, 'http');
    assert.equal(info.keyExchange, false);
    assert.equal(info.details.method, 'GET');
    assertSplits(req, TCP, 'http', 4);
    const h2 = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00', 'latin1');
    assert.equal(recognise(h2, null, TCP).version, '2');
    // RFC 9110 §9.3.6: the proxied bytes after the CONNECT header are the TLS the flow carries.
    const hello = concat(
      [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03],
      randomBytes(32),
      [0, 0, 2, 0x13, 0x01, 1, 0],
    );
    const tunnel = recognise(
      concat('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n', hello),
      null,
      TCP,
    );
    assert.equal(tunnel.protocol, 'tls');
    assert.equal(tunnel.details.via, 'http-connect');
    assert.equal(
      recognise(Buffer.from('GET /\x01\x02 HTTP/1.1\r\n', 'latin1'), null, TCP).protocol,
      'none',
    );
  });

  it('DNS over UDP and TCP from dns-packet, and implausible headers rejected', () => {
    const q = dnsPacket.encode({
      type: 'query',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'A', name: 'example.test' }],
    });
    const a = dnsPacket.encode({
      type: 'response',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [{ type: 'A', name: 'example.test' }],
      answers: [{ type: 'A', name: 'example.test', data: '192.0.2.1' }],
    });
    // Off port 53 the full parse must carry it alone.
    const info = recognise(q, a, { transport: 'udp', srcPort: 40000, dstPort: 5300 });
    assert.equal(info.protocol, 'dns');
    assert.equal(info.details.qtype, '1');
    assertSplits(q, { transport: 'udp', dstPort: 53 }, 'dns', 14);
    const tcp = dnsPacket.streamEncode({
      type: 'query',
      id: 7,
      questions: [{ type: 'TXT', name: 'x.example.test' }],
    });
    const t = recognise(tcp, null, { transport: 'tcp', dstPort: 53 });
    assert.equal(t.protocol, 'dns');
    assert.equal(t.details.transport, 'tcp');
    const bad = Buffer.from(q);
    bad[3] = (bad[3] ?? 0) | 0x40; // Z bit
    assert.equal(recognise(bad, null, UDP).protocol, 'none');
  });

  it('SMB2 negotiate over direct TCP, SMB3 transform header, NetBIOS session request', () => {
    // MS-SMB2 §2.2.1.2 sync header: ProtocolId, StructureSize 64, ..., Command 0 (NEGOTIATE).
    const smb2 = concat([0, 0, 0, 100], [0xfe], 'SMB', [64, 0], Buffer.alloc(58), randomBytes(36));
    const info = recognise(smb2, null, { transport: 'tcp', dstPort: 445 });
    assert.equal(info.protocol, 'smb');
    assert.equal(info.version, 'SMB2');
    assertSplits(smb2, TCP, 'smb', 8);
    const transform = concat([0, 0, 0, 200], [0xfd], 'SMB', randomBytes(48));
    assert.equal(recognise(transform, null, TCP).details.encrypted, 'true');
    const nbss = concat(
      [0x81, 0, 0, 68, 0x20],
      'EGEFCACACACACACACACACACACACACAAA',
      [0, 0x20],
      'FEEFFDFECACACACACACACACACACACAAA',
      [0],
    );
    assert.equal(
      recognise(nbss, null, { transport: 'tcp', dstPort: 139 }).details.message,
      'netbios_session_request',
    );
  });

  it('RDP X.224 connection request with cookie and RDP_NEG_REQ, and the RDP-UDP SYN', () => {
    // MS-RDPBCGR §2.2.1.1: TPKT(3,0,len) X.224 CR (LI, 0xe0, dst-ref, src-ref, class) cookie, RDP_NEG_REQ.
    const cookie = Buffer.from('Cookie: mstshash=alice\r\n');
    const neg = [1, 0, 8, 0, 3, 0, 0, 0];
    const x224 = concat([0xe0, 0, 0, 0, 0, 0], cookie, neg);
    const tpkt = concat([3, 0], u16be(5 + x224.length), [x224.length], x224);
    const info = recognise(tpkt, null, { transport: 'tcp', dstPort: 3390 });
    assert.equal(info.protocol, 'rdp');
    assert.equal(info.details.security, 'tls,credssp');
    assertSplits(tpkt, TCP, 'rdp', 11);
    // MS-RDPEUDP §2.2.2.1/2.2.2.5: snSourceAck -1, window, RDPUDP_FLAG_SYN, then SYNDATA, padded.
    const syn = concat(
      u32be(0xffffffff),
      u16be(64),
      u16be(0x0001),
      u32be(12345),
      u16be(1232),
      u16be(1232),
      Buffer.alloc(1216),
    );
    assert.equal(recognise(syn, null, { transport: 'udp', dstPort: 3389 }).protocol, 'rdp');
  });

  it('BitTorrent handshake, DHT KRPC, uTP SYN', () => {
    const hs = concat(
      '\x13BitTorrent protocol',
      Buffer.alloc(8),
      randomBytes(20),
      '-qB4650-',
      randomBytes(12),
    );
    assertSplits(hs, TCP, 'bittorrent', 4);
    const dht = Buffer.from('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe');
    assert.equal(recognise(dht, null, UDP).details.message, 'dht');
    const utp = concat(
      [0x41, 0],
      randomBytes(2),
      randomBytes(4),
      u32be(0),
      u32be(1048576),
      u16be(1),
      u16be(0),
    );
    assert.equal(recognise(utp, null, UDP).details.message, 'utp_syn');
  });

  it('NTP client/server on 123, SNMP v2c get, syslog, collectd', () => {
    // RFC 4330 §5 SNTP request: LI 0, VN 4, mode 3, zeros, transmit timestamp.
    const sntp = concat([0x23], Buffer.alloc(39), randomBytes(8));
    assert.equal(recognise(sntp, null, UDP).protocol, 'ntp');
    const server = concat(
      [0x24, 2, 6, 0xe9],
      u32be(0x00000100),
      u32be(0x00000200),
      'GPS\0',
      randomBytes(32),
    );
    assert.equal(
      recognise(null, server, { transport: 'udp', srcPort: 40000, dstPort: 123 }).protocol,
      'ntp',
    );
    // RFC 3416: SEQUENCE { INTEGER 1 (v2c), OCTET STRING "public", GetRequest-PDU … }
    const pdu = [
      0xa0, 0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c,
      0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
    ];
    const body = concat([0x02, 0x01, 0x01, 0x04, 0x06], 'public', pdu);
    const snmp = concat([0x30, body.length], body);
    const s = recognise(snmp, null, { transport: 'udp', dstPort: 161 });
    assert.equal(s.protocol, 'snmp');
    assert.equal(s.version, '2c');
    assert.equal(s.details.pdu, 'get');
    const syslog = Buffer.from('<34>1 2026-11-27T22:14:15.003Z host app 1234 ID47 - message');
    assert.equal(recognise(syslog, null, UDP).details.protocol, 'syslog');
    const bsd = Buffer.from('<13>Nov 27 22:14:15 host app: hello');
    assert.equal(recognise(bsd, null, UDP).details.protocol, 'syslog');
    // collectd parts: host (0x0000) string, time_hr (0x0008) 8 bytes, plugin (0x0002) string.
    const part = (type: number, data: Uint8Array) =>
      concat(u16be(type), u16be(4 + data.length), data);
    const collectd = concat(
      part(0, Buffer.from('web01\0')),
      part(8, randomBytes(8)),
      part(2, Buffer.from('cpu\0')),
    );
    assert.equal(recognise(collectd, null, UDP).details.protocol, 'collectd');
  });

  it('PostgreSQL startup, MongoDB OP_MSG, Redis RESP', () => {
    const params = Buffer.from('user\0alice\0database\0app\0\0');
    const pg = concat(u32be(8 + params.length), u32be(196608), params);
    assert.equal(recognise(pg, null, TCP).details.protocol, 'postgresql');
    // MongoDB OP_MSG: header (len, requestID, responseTo, opCode 2013 LE), flagBits, kind 0, BSON.
    const bson = concat(
      [0x13, 0, 0, 0],
      [0x10],
      'hello\0',
      [1, 0, 0, 0],
      [0x02],
      'x\0',
      [1, 0, 0, 0],
      [0],
      [0],
    );
    const msg = concat(
      Buffer.alloc(4),
      [1, 0, 0, 0],
      Buffer.alloc(4),
      [0xdd, 0x07, 0, 0],
      Buffer.alloc(4),
      [0],
      bson.subarray(0, 19),
    );
    Buffer.from(msg.buffer, msg.byteOffset, 4).writeUInt32LE(msg.length, 0);
    assert.equal(recognise(msg, null, TCP).details.protocol, 'mongodb');
    const redis = Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n');
    const r = recognise(redis, Buffer.from('$-1\r\n'), TCP);
    assert.equal(r.details.protocol, 'redis');
    assert.equal(r.details.command, 'GET');
  });

  it('STUN binding with the magic cookie, TURN ChannelData, RTP with RFC 8285 extension, RTCP, RTP both ways', () => {
    const stun = concat(
      u16be(0x0001),
      u16be(8),
      u32be(0x2112a442),
      randomBytes(12),
      u16be(0x8022),
      u16be(4),
      'test',
    );
    const s = recognise(stun, null, UDP);
    assert.equal(s.protocol, 'stun');
    assert.equal(s.details.method, 'binding');
    assertSplits(stun, UDP, 'stun', 8);
    const channel = concat(u16be(0x4001), u16be(100), randomBytes(100));
    assert.equal(
      recognise(channel, null, { transport: 'udp', dstPort: 3478 }).details.message,
      'channel_data',
    );
    // RTP v2 with X=1 (0x90), PT 111, one-byte header extension 0xBEDE of 1 word.
    const rtp = concat(
      [0x90, 111],
      u16be(1000),
      u32be(123456),
      u32be(0xdeadbeef),
      [0xbe, 0xde, 0, 1],
      [0x10, 0xff, 0, 0],
      randomBytes(120),
    );
    assert.equal(recognise(rtp, null, UDP).protocol, 'rtp');
    // RTCP compound: SR (PT 200, length 6 words) + SDES (PT 202, length 2 words).
    const rtcp = concat(
      [0x80, 200],
      u16be(6),
      randomBytes(24),
      [0x81, 202],
      u16be(2),
      randomBytes(8),
    );
    assert.equal(recognise(rtcp, null, UDP).protocol, 'rtcp');
    const plainRtp = (ssrc: number) =>
      concat([0x80, 0], u16be(1), u32be(160), u32be(ssrc), randomBytes(160));
    assert.equal(recognise(plainRtp(1), null, UDP).protocol, 'none');
    assert.equal(recognise(plainRtp(1), plainRtp(2), UDP).protocol, 'rtp');
  });

  it('MPEG-TS: sync byte every 188 bytes, raw and behind RTP', () => {
    const pkt = () => concat([0x47, 0x01, 0x00, 0x10], randomBytes(184));
    const ts = concat(pkt(), pkt(), pkt(), pkt(), pkt(), pkt(), pkt());
    const info = recognise(ts, null, UDP);
    assert.equal(info.protocol, 'mpegts');
    assert.equal(info.details.packets, '7');
    const overRtp = concat([0x80, 33], u16be(1), u32be(1), u32be(99), ts.subarray(0, 188 * 2));
    assert.equal(recognise(overRtp, null, UDP).details.encapsulation, 'rtp');
    const broken = Buffer.from(ts);
    broken[188] = 0x48;
    assert.notEqual(recognise(broken, null, UDP).protocol, 'mpegts');
  });
});
