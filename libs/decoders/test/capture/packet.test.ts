import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodePacket,
  flowsFromCapture,
  formatIpv6,
  LinkType,
  newDecodedPacket,
  payloadOf,
} from '../../src/index.js';
import {
  ACK,
  ethernet,
  ext,
  ipv4,
  ipv6,
  nullLink,
  pcapFile,
  sll,
  sll2,
  tcp,
  udp,
} from './frames.js';

const v4udp = (payload = 'data'): number[] =>
  ipv4({ src: '10.9.8.7', dst: '10.1.2.3', protocol: 17 }, udp(1111, 2222, payload));

function decode(
  linkType: number,
  frame: number[],
): ReturnType<typeof decodePacket> | ReturnType<typeof newDecodedPacket> {
  const out = newDecodedPacket();
  const r = decodePacket(linkType, Uint8Array.from(frame), out);
  return r === null ? out : r;
}

function ok(linkType: number, frame: number[]): ReturnType<typeof newDecodedPacket> {
  const r = decode(linkType, frame);
  if (typeof r !== 'object' || r === null) assert.fail(`rejected: ${r}`);
  return r;
}

test('every supported link type reaches the same UDP packet', () => {
  const ip = v4udp();
  const cases: [string, number, number[]][] = [
    ['ethernet', LinkType.ETHERNET, ethernet(0x0800, ip)],
    ['802.1Q', LinkType.ETHERNET, ethernet(0x0800, ip, [0x8100])],
    ['QinQ 88a8', LinkType.ETHERNET, ethernet(0x0800, ip, [0x88a8, 0x8100])],
    ['QinQ 9100', LinkType.ETHERNET, ethernet(0x0800, ip, [0x9100, 0x8100])],
    ['SLL', LinkType.LINUX_SLL, sll(0x0800, ip)],
    ['SLL2', LinkType.LINUX_SLL2, sll2(0x0800, ip)],
    ['raw 101', LinkType.RAW, ip],
    ['raw 12', LinkType.RAW_BSD12, ip],
    ['raw 14', LinkType.RAW_BSD14, ip],
    ['ipv4 228', LinkType.IPV4, ip],
    ['null LE', LinkType.NULL, nullLink(2, ip, true)],
    ['null BE', LinkType.NULL, nullLink(2, ip, false)],
    ['loop', LinkType.LOOP, nullLink(2, ip, false)],
  ];
  for (const [name, linkType, frame] of cases) {
    const p = ok(linkType, frame);
    assert.equal(p.srcAddr, '10.9.8.7', name);
    assert.equal(p.dstPort, 2222, name);
    assert.equal(Buffer.from(payloadOf(p)).toString(), 'data', name);
  }
});

test('IPv6 over loopback: each BSD address family value is accepted', () => {
  const ip = ipv6('::1', '::1', 17, udp(1, 2, 'x'));
  for (const af of [10, 24, 28, 30])
    assert.equal(ok(LinkType.NULL, nullLink(af, ip, true)).ipVersion, 6);
  assert.equal(decode(LinkType.NULL, nullLink(99, ip, true)), 'not-ip');
});

test('non-IP frames are told apart from malformed ones', () => {
  assert.equal(decode(LinkType.ETHERNET, ethernet(0x0806, [0, 1])), 'not-ip');
  assert.equal(decode(LinkType.ETHERNET, [1, 2, 3]), 'truncated-link-header');
  assert.equal(decode(LinkType.LINUX_SLL2, [8, 0, 1]), 'truncated-link-header');
  assert.equal(decode(147, v4udp()), 'unsupported-link-type');
  const tags = new Array<number>(9).fill(0x8100);
  assert.equal(decode(LinkType.ETHERNET, ethernet(0x0800, v4udp(), tags)), 'too-many-vlan-tags');
  assert.equal(decode(LinkType.RAW, [0x55, 0, 0, 0]), 'bad-ip-version');
});

test('IPv4 header faults each have their reason', () => {
  const ip = v4udp();
  assert.equal(decode(LinkType.RAW, ip.slice(0, 12)), 'truncated-ipv4-header');
  const badIhl = [...ip];
  badIhl[0] = 0x44;
  assert.equal(decode(LinkType.RAW, badIhl), 'bad-ipv4-header-length');
  const shortTotal = [...ip];
  shortTotal[2] = 0;
  shortTotal[3] = 10;
  assert.equal(decode(LinkType.RAW, shortTotal), 'bad-ipv4-header-length');
  assert.equal(decode(LinkType.RAW, ip.slice(0, 24)), 'truncated-udp-header');
  const t = ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: 6 }, tcp({ sport: 1, dport: 2 }));
  assert.equal(decode(LinkType.RAW, t.slice(0, 30)), 'truncated-tcp-header');
  const badOffset = [...t];
  badOffset[20 + 12] = 0x30;
  assert.equal(decode(LinkType.RAW, badOffset), 'bad-tcp-header-length');
});

test('IPv4 options are skipped and Ethernet padding is not payload', () => {
  const p = ok(
    LinkType.ETHERNET,
    ethernet(
      0x0800,
      ipv4(
        { src: '1.1.1.1', dst: '2.2.2.2', protocol: 17, options: [7, 7, 4, 0, 0, 0, 0, 0] },
        udp(5, 6, 'ab'),
      ),
    ),
  );
  assert.equal(p.ipLength, 28 + 8 + 2);
  assert.equal(Buffer.from(payloadOf(p)).toString(), 'ab');
});

test('IPv6 extension headers, AH included, lead to the transport header', () => {
  const p = ok(
    LinkType.RAW,
    ipv6('2001:db8::a', '2001:db8::b', 6, tcp({ sport: 7, dport: 8, flags: ACK, payload: 'z' }), [
      ext.hopByHop(),
      ext.routing(),
      ext.ah(),
      ext.destination(),
    ]),
  );
  assert.equal(p.protocol, 6);
  assert.equal(p.srcPort, 7);
  assert.equal(Buffer.from(payloadOf(p)).toString(), 'z');
  const cut = ipv6('::1', '::2', 17, udp(1, 2), [ext.destination()]).slice(0, 44);
  assert.equal(decode(LinkType.RAW, cut), 'truncated-ipv6-extension');
  assert.equal(decode(LinkType.RAW, [0x60, 0, 0, 0]), 'truncated-ipv6-header');
  const loop = ipv6(
    '::1',
    '::2',
    17,
    udp(1, 2),
    new Array(17).fill(ext.destination()) as ReturnType<typeof ext.destination>[],
  );
  assert.equal(decode(LinkType.RAW, loop), 'too-many-ipv6-extensions');
});

test('IPv6 text follows RFC 5952', () => {
  const b = (groups: number[]): Uint8Array =>
    Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
  assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 1]), 0), '::1');
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 0]), 0), '::');
  assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 0), '2001:db8:0:1:1:1:1:1');
  assert.equal(formatIpv6(b([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 0), 'fe80::');
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]), 0), '::ffff:192.0.2.1');
});

test('IPv4 fragments: later fragments join the flow of the first, orphans are counted', () => {
  const body = udp(3000, 4000, 'A'.repeat(24));
  const first = ipv4(
    { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, id: 42, moreFragments: true },
    body.slice(0, 16),
  );
  const second = ipv4(
    { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, id: 42, fragmentOffset: 16 },
    body.slice(16),
  );
  const orphan = ipv4(
    { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, id: 43, fragmentOffset: 16 },
    body.slice(16),
  );
  const bytes = pcapFile({ linkType: LinkType.RAW }, [
    { timestampMs: 1, data: first },
    { timestampMs: 2, data: second },
    { timestampMs: 3, data: orphan },
  ]);
  const { flows, stats } = flowsFromCapture(bytes);
  assert.equal(flows.length, 1);
  assert.equal(flows[0]!.packetsFwd, 2);
  assert.equal(flows[0]!.bytesFwd, 36 + 36);
  assert.equal(stats.ipFragments, 3);
  assert.deepEqual(stats.ignored, { 'ip-fragment-unattributed': 1 });
});

test('IPv6 fragments: a later fragment joins its flow by fragment id', () => {
  const body = udp(3000, 4000, 'B'.repeat(24));
  const first = ipv6('2001:db8::1', '2001:db8::2', 17, body.slice(0, 16), [
    ext.fragment(0, true, 9),
  ]);
  const later = ipv6('2001:db8::1', '2001:db8::2', 17, body.slice(16), [
    ext.fragment(16, false, 9),
  ]);
  const { flows } = flowsFromCapture(
    pcapFile({ linkType: LinkType.RAW }, [
      { timestampMs: 1, data: first },
      { timestampMs: 2, data: later },
    ]),
  );
  assert.equal(flows.length, 1);
  assert.equal(flows[0]!.packetsFwd, 2);
  assert.equal(flows[0]!.srcPort, 3000);
});
