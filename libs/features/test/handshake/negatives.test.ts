import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { recogniseBittorrentTcp, recogniseBittorrentUdp } from '../../src/handshake/bittorrent.js';
import { recogniseCollectd } from '../../src/handshake/collectd.js';
import { recogniseMongo, recognisePostgres, recogniseRedis } from '../../src/handshake/database.js';
import { recogniseNtp } from '../../src/handshake/ntp.js';
import { recogniseRdpTcp, recogniseRdpUdp } from '../../src/handshake/rdp.js';
import type { RecogniseContext } from '../../src/handshake/result.js';
import { recogniseRtcp, recogniseRtp } from '../../src/handshake/rtp.js';
import { recogniseSmb } from '../../src/handshake/smb.js';
import { recogniseSnmp } from '../../src/handshake/snmp.js';
import { recogniseStun } from '../../src/handshake/stun.js';
import { recogniseSyslog } from '../../src/handshake/syslog.js';
import { concat, u16be, u32be } from './helpers.js';

function ctx(transport: 'tcp' | 'udp', dstPort: number): RecogniseContext {
  return {
    transport,
    srcPort: 40000,
    dstPort,
    ownPort: 40000,
    peerPort: dstPort,
    direction: 'fwd',
  };
}

// Each case is a near miss of a valid message: one field outside what the specification allows.
describe('near misses are not recognised', () => {
  it('SMB: wrong protocol id, SMB2 StructureSize not 64, command out of range', () => {
    assert.equal(recogniseSmb(concat([0, 0, 0, 100], [0xfe], 'SMX', randomBytes(92))), null);
    assert.equal(
      recogniseSmb(concat([0, 0, 0, 100], [0xfe], 'SMB', [63, 0], randomBytes(90))),
      null,
    );
    const cmd = concat(
      [0, 0, 0, 100],
      [0xfe],
      'SMB',
      [64, 0],
      Buffer.alloc(6),
      [0x20, 0],
      randomBytes(82),
    );
    assert.equal(recogniseSmb(cmd), null);
    assert.equal(recogniseSmb(concat([0, 0, 0, 10], [0xfe], 'SMB')), null);
  });

  it('RDP: TPKT version, X.224 length indicator, RDP-UDP MTUs', () => {
    assert.equal(
      recogniseRdpTcp(concat([2, 0], u16be(19), [14, 0xe0], randomBytes(13)), ctx('tcp', 3389)),
      null,
    );
    assert.equal(
      recogniseRdpTcp(concat([3, 0], u16be(19), [9, 0xe0], randomBytes(13)), ctx('tcp', 3389)),
      null,
    );
    const syn = concat(
      u32be(0xffffffff),
      u16be(64),
      u16be(1),
      u32be(1),
      u16be(9000),
      u16be(1232),
      Buffer.alloc(100),
    );
    assert.equal(recogniseRdpUdp(syn, ctx('udp', 40000)), null);
  });

  it('BitTorrent: wrong protocol string, bencode without a KRPC type, uTP SYN with payload', () => {
    assert.equal(recogniseBittorrentTcp(Buffer.from('\x13BitTorrent protocoX')), null);
    assert.equal(recogniseBittorrentUdp(Buffer.from('d3:foo3:bare')), null);
    const syn = concat([0x41, 0], randomBytes(6), u32be(0), randomBytes(8), randomBytes(30));
    assert.equal(recogniseBittorrentUdp(syn), null);
  });

  it('NTP: off port 123, bad version, stratum above 16, odd sizes', () => {
    const server = concat([0x24, 2, 6, 0xe9], u32be(0x100), u32be(0x200), randomBytes(36));
    assert.notEqual(recogniseNtp(server, ctx('udp', 123)), null);
    assert.equal(recogniseNtp(server, ctx('udp', 124)), null);
    assert.equal(recogniseNtp(concat([0x3c], server.subarray(1)), ctx('udp', 123)), null);
    assert.equal(recogniseNtp(concat([0x24, 17], server.subarray(2)), ctx('udp', 123)), null);
    assert.equal(recogniseNtp(concat(server, [1, 2, 3]), ctx('udp', 123)), null);
  });

  it('SNMP: bad version, non-printable community, unknown PDU tag, trailing garbage', () => {
    const build = (version: number, community: Uint8Array, pdu: number) => {
      const body = concat([0x02, 0x01, version, 0x04, community.length], community, [
        pdu,
        0x03,
        0x02,
        0x01,
        0x01,
      ]);
      return concat([0x30, body.length], body);
    };
    assert.notEqual(recogniseSnmp(build(1, Buffer.from('public'), 0xa0)), null);
    assert.equal(recogniseSnmp(build(2, Buffer.from('public'), 0xa0)), null);
    assert.equal(recogniseSnmp(build(1, Buffer.from([1, 2, 3]), 0xa0)), null);
    assert.equal(recogniseSnmp(build(1, Buffer.from('public'), 0xaf)), null);
    assert.equal(recogniseSnmp(concat(build(1, Buffer.from('public'), 0xa0), [0x99])), null);
  });

  it('syslog: PRI above 191, binary body, loose form off the syslog ports', () => {
    assert.equal(recogniseSyslog(Buffer.from('<192>1 - host app - - - x'), ctx('udp', 514)), null);
    assert.equal(
      recogniseSyslog(concat('<13>Nov 27 22:14:15 ', randomBytes(200)), ctx('udp', 514)),
      null,
    );
    assert.equal(recogniseSyslog(Buffer.from('<13>hello'), ctx('udp', 5000)), null);
    assert.notEqual(recogniseSyslog(Buffer.from('<13>hello'), ctx('udp', 514)), null);
  });

  it('collectd: unknown part type, part length below its header, a lone part off port', () => {
    const part = (type: number, data: Uint8Array) =>
      concat(u16be(type), u16be(4 + data.length), data);
    assert.equal(
      recogniseCollectd(
        concat(part(0x0033, Buffer.from('x\0')), part(2, Buffer.from('cpu\0'))),
        ctx('udp', 25826),
      ),
      null,
    );
    assert.equal(
      recogniseCollectd(concat(u16be(0), u16be(2), randomBytes(20)), ctx('udp', 25826)),
      null,
    );
    assert.equal(recogniseCollectd(part(0, Buffer.from('host\0')), ctx('udp', 40001)), null);
  });

  it('databases: PostgreSQL unknown protocol, MongoDB unknown opcode, Redis look-alikes', () => {
    assert.equal(
      recognisePostgres(concat(u32be(20), u32be(0x00040000), Buffer.from('user\0a\0\0\0\0\0'))),
      null,
    );
    const mongo = concat([40, 0, 0, 0], randomBytes(8), [0x99, 0x07, 0, 0], randomBytes(24));
    assert.equal(recogniseMongo(mongo), null);
    assert.equal(recogniseRedis(Buffer.from('*x\r\n')), null);
    assert.equal(recogniseRedis(Buffer.from('+OK then more text\r\n')), null);
  });

  it('STUN without the magic cookie, ChannelData with a wrong length, RTP/RTCP near misses', () => {
    const stun = concat(u16be(0x0001), u16be(0), u32be(0x2112a443), randomBytes(12));
    assert.equal(recogniseStun(stun, ctx('udp', 3478)), null);
    assert.equal(
      recogniseStun(concat(u16be(0x4001), u16be(50), randomBytes(20)), ctx('udp', 3478)),
      null,
    );
    // RTP with a profile-specific (non RFC 8285) extension, and payload type 72 (RTCP range).
    assert.equal(
      recogniseRtp(concat([0x90, 111], randomBytes(10), [0x12, 0x34, 0, 1], randomBytes(40))),
      null,
    );
    assert.equal(
      recogniseRtp(concat([0x90, 72], randomBytes(10), [0xbe, 0xde, 0, 1], randomBytes(40))),
      null,
    );
    // RTCP whose length word overruns the datagram and does not chain.
    assert.equal(recogniseRtcp(concat([0x80, 200], u16be(60), randomBytes(24))), null);
    assert.equal(recogniseRtcp(concat([0x80, 210], u16be(6), randomBytes(24))), null);
  });
});
