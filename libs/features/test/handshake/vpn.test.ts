import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { recogniseOpenvpnUdp } from '../../src/handshake/openvpn.js';
import { recogniseWireguard } from '../../src/handshake/wireguard.js';
import { assertSplits, concat, recognise, u16be, u32be } from './helpers.js';

const UDP_WG = { transport: 'udp', dstPort: 51820 } as const;
const UDP_ODD = { transport: 'udp', dstPort: 31337 } as const;

/** WireGuard whitepaper §5.4.2–5.4.6: type, 3 reserved zero bytes, fixed-size bodies. */
function wg(type: number, size: number): Uint8Array {
  return concat([type, 0, 0, 0], randomBytes(4), randomBytes(size - 8));
}

describe('WireGuard', () => {
  it('handshake initiation (148), response (92), cookie reply (64), transport data (≥32)', () => {
    const cases: [number, number, string][] = [
      [1, 148, 'handshake_initiation'],
      [2, 92, 'handshake_response'],
      [3, 64, 'cookie_reply'],
      [4, 32 + 16 * 5, 'transport_data'],
    ];
    for (const [type, size, name] of cases) {
      const m = wg(type, size);
      const info = recognise(m, null, UDP_ODD);
      assert.equal(info.protocol, 'wireguard', name);
      assert.equal(info.keyExchange, true);
      assert.equal(info.details.message, name);
      assertSplits(m, UDP_ODD, 'wireguard', type === 4 ? m.length : 4);
    }
    // Initiation and response in each direction: the initiator's message names the flow.
    const both = recognise(wg(1, 148), wg(2, 92), UDP_WG);
    assert.equal(both.seenIn, 'fwd');
    assert.equal(both.details['responder.message'], 'handshake_response');
  });

  it('rejects wrong sizes, non-zero reserved bytes and unknown types', () => {
    assert.equal(recogniseWireguard(wg(1, 150)), null);
    assert.equal(recogniseWireguard(concat([1, 0, 1, 0], randomBytes(144))), null);
    assert.equal(recogniseWireguard(concat([5, 0, 0, 0], randomBytes(144))), null);
    assert.equal(recogniseWireguard(concat([4, 0, 0, 0], randomBytes(20))), null);
    assert.equal(recogniseWireguard(concat([1, 0, 0, 0], [0, 0, 0, 0], randomBytes(140))), null);
  });
});

/**
 * OpenVPN control packets (openvpn ssl_pkt.h; OpenVPN wire protocol draft §3): opcode << 3 |
 * key id, 8-byte session id, [tls-auth HMAC, packet id, net time], ACK array, message id.
 */
function hardResetClientV2(wrapping: 'plain' | 'tls-auth' | 'tls-crypt'): Uint8Array {
  const sid = randomBytes(8);
  const now = Math.floor(Date.now() / 1000);
  if (wrapping === 'plain') return concat([7 << 3], sid, [0], u32be(0));
  if (wrapping === 'tls-auth')
    return concat([7 << 3], sid, randomBytes(20), u32be(1), u32be(now), [0], u32be(0));
  return concat([7 << 3], sid, u32be(1), u32be(now), randomBytes(32), randomBytes(30));
}

describe('OpenVPN', () => {
  it('UDP P_CONTROL_HARD_RESET_CLIENT_V2: plain, tls-auth (SHA-1 HMAC) and tls-crypt', () => {
    for (const w of ['plain', 'tls-auth', 'tls-crypt'] as const) {
      const p = hardResetClientV2(w);
      const info = recognise(p, null, UDP_ODD);
      assert.equal(info.protocol, 'openvpn', w);
      assert.equal(info.details.opcode, 'P_CONTROL_HARD_RESET_CLIENT_V2');
      assert.equal(info.details.wrapping, w === 'tls-auth' ? 'tls-auth-sha1' : w);
      // A UDP datagram is never cut by the prefix bound; the checks need the whole header.
      assertSplits(p, UDP_ODD, 'openvpn', { plain: 14, 'tls-auth': 37, 'tls-crypt': 49 }[w]);
    }
  });

  it('V3 reset, server reset acknowledging the client, P_DATA_V2, and TCP framing', () => {
    const v3 = concat(
      [10 << 3],
      randomBytes(8),
      u32be(1),
      u32be(Math.floor(Date.now() / 1000)),
      randomBytes(60),
    );
    assert.equal(recognise(v3, null, UDP_ODD).details.opcode, 'P_CONTROL_HARD_RESET_CLIENT_V3');
    const server = concat([8 << 3], randomBytes(8), [1], u32be(0), randomBytes(8), u32be(0));
    const s = recognise(null, server, UDP_ODD);
    assert.equal(s.protocol, 'openvpn');
    assert.equal(s.details.opcode, 'P_CONTROL_HARD_RESET_SERVER_V2');
    const data = concat([(9 << 3) | 1], [0, 0, 3], u32be(7), randomBytes(80));
    assert.equal(recognise(data, null, UDP_ODD).details.opcode, 'P_DATA_V2');
    const reset = hardResetClientV2('plain');
    const tcp = concat(u16be(reset.length), reset);
    const t = recognise(tcp, null, { transport: 'tcp', dstPort: 443 });
    assert.equal(t.protocol, 'openvpn');
    assert.equal(t.details.transport, 'tcp');
    assertSplits(tcp, { transport: 'tcp', dstPort: 1194 }, 'openvpn', tcp.length);
  });

  it('rejects resets with a key id, a zero session id, a non-zero message id, or an implausible time', () => {
    const ctx = {
      transport: 'udp',
      srcPort: 1,
      dstPort: 2,
      ownPort: 1,
      peerPort: 2,
      direction: 'fwd',
    } as const;
    assert.equal(
      recogniseOpenvpnUdp(concat([(7 << 3) | 1], randomBytes(8), [0], u32be(0)), ctx),
      null,
    );
    assert.equal(recogniseOpenvpnUdp(concat([7 << 3], Buffer.alloc(8), [0], u32be(0)), ctx), null);
    assert.equal(recogniseOpenvpnUdp(concat([7 << 3], randomBytes(8), [0], u32be(5)), ctx), null);
    assert.equal(
      recogniseOpenvpnUdp(
        concat([7 << 3], randomBytes(8), randomBytes(20), u32be(1), u32be(12345), [0], u32be(0)),
        ctx,
      ),
      null,
    );
  });
});
