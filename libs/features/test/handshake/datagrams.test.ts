import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { concat, recognise, u16be, u32be } from './helpers.js';

// A UDP payload prefix holds the first datagrams of a direction back to back (as ingest
// assembles them): recognisers that check a message's size must accept what follows it.
describe('several datagrams in one UDP prefix', () => {
  it('NTP client requests and server replies', () => {
    const req = () => concat([0x23], Buffer.alloc(39), randomBytes(8));
    const info = recognise(concat(req(), req(), req()), null, { transport: 'udp', dstPort: 123 });
    assert.equal(info.protocol, 'ntp');
  });

  it('OpenVPN hard reset followed by the same session’s P_CONTROL_V1', () => {
    const sid = randomBytes(8);
    const reset = concat([7 << 3], sid, [0], u32be(0));
    const control = concat(
      [4 << 3],
      sid,
      [1],
      u32be(0),
      randomBytes(8),
      u32be(1),
      [0x16, 0x03, 0x01],
      randomBytes(60),
    );
    const info = recognise(concat(reset, control), null, { transport: 'udp', dstPort: 53 });
    assert.equal(info.protocol, 'openvpn');
    // A different session id after the reset is not a continuation.
    const other = concat([4 << 3], randomBytes(8), [1], u32be(0), randomBytes(80));
    assert.equal(
      recognise(concat(reset, other), null, { transport: 'udp', dstPort: 53 }).protocol,
      'none',
    );
  });

  it('IKE messages of one exchange, SNMP requests, uTP SYN then DATA', () => {
    const spi = randomBytes(8);
    const ike = (n: number) =>
      concat(spi, Buffer.alloc(8), [33, 0x20, 34, 0x08], u32be(0), u32be(28 + n), randomBytes(n));
    assert.equal(
      recognise(concat(ike(40), ike(40)), null, { transport: 'udp', dstPort: 500 }).protocol,
      'ike',
    );
    const snmpBody = concat(
      [0x02, 0x01, 0x01, 0x04, 0x06],
      'public',
      [0xa1, 0x05, 0x02, 0x01, 0x01, 0x30, 0x00],
    );
    const snmp = concat([0x30, snmpBody.length], snmpBody);
    assert.equal(
      recognise(concat(snmp, snmp), null, { transport: 'udp', dstPort: 161 }).protocol,
      'snmp',
    );
    const syn = concat(
      [0x41, 0],
      u16be(1000),
      randomBytes(4),
      u32be(0),
      u32be(1 << 20),
      u16be(1),
      u16be(0),
    );
    const data = concat(
      [0x01, 0],
      u16be(1001),
      randomBytes(4),
      randomBytes(4),
      u32be(1 << 20),
      u16be(2),
      u16be(1),
      randomBytes(40),
    );
    assert.equal(
      recognise(concat(syn, data), null, { transport: 'udp', dstPort: 6881 }).details.message,
      'utp_syn',
    );
  });
});
