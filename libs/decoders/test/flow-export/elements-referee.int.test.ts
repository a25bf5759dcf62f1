// Referees for the IPFIX element table (src/flow-export/elements.ts), neither of them this
// decoder: tshark's IPFIX dissector decodes messages built with every element of the table,
// and the registry snapshot data/ipfix-elements.csv is regenerated from Debian's copies of
// the IANA, RFC 5103 and CERT registries. scripts/bootstrap.sh --test installs tshark,
// python3-ipfix and libfixbuf-tools; a missing one fails the run by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowExportDecoder } from '../../src/flow-export/index.js';
import {
  IANA_ELEMENTS,
  Op,
  REVERSE_ELEMENTS,
  REVERSE_PEN,
  type ElementSpec,
  type ElementType,
} from '../../src/flow-export/elements.js';
import { pcapFile } from '../capture/frames.js';
import {
  dataSet,
  ethernetFrame,
  ipfixMessage,
  ipfixTemplateSet,
  ipv4Packet,
  ipv6Packet,
  record,
  tcpSegment,
  udpDatagram,
  type FieldSpec,
  type FieldValue,
} from './builders.js';

const T0 = 1_700_000_000;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

function need(tool: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} (Debian ${pkg}) is not installed: run scripts/bootstrap.sh --test`);
  }
}

/** tshark's PDML of a capture: every field as (name, showname, pos, size, value hex). */
interface PdmlField {
  readonly name: string;
  readonly showname: string;
  readonly pos: number;
  readonly size: number;
  readonly value: string;
}

/** tshark's PDML of frames: per packet, every field. */
function tsharkPdml(frames: Uint8Array[], linkType: number, extra: string[] = []): PdmlField[][] {
  need('tshark', 'tshark');
  const dir = mkdtempSync(join(tmpdir(), 'opaqueflow-tshark-'));
  try {
    const file = join(dir, 'in.pcap');
    writeFileSync(
      file,
      pcapFile(
        { linkType },
        frames.map((data, i) => ({ timestampMs: T0 * 1000 + i, data })),
      ),
    );
    const xml = execFileSync('tshark', ['-r', file, '-n', '-T', 'pdml', ...extra], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return xml
      .split('<packet>')
      .slice(1)
      .map((packet) =>
        [...packet.matchAll(/<field [^>]*>/g)].map(([tag]) => {
          const attr = (a: string) => new RegExp(` ${a}="([^"]*)"`).exec(tag)?.[1] ?? '';
          return {
            name: attr('name'),
            showname: attr('showname'),
            pos: Number(attr('pos')),
            size: Number(attr('size')),
            value: attr('value'),
          };
        }),
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** IPFIX over UDP/4739 in an Ethernet frame; offset of the IPFIX message in the frame. */
const IPFIX_OFFSET = 14 + 20 + 8;
function ipfixFrame(message: Uint8Array): Uint8Array {
  return ethernetFrame(ipv4Packet('192.0.2.1', '192.0.2.2', 17, udpDatagram(50000, 4739, message)));
}

const LENGTH: Record<ElementType, number> = {
  unsigned8: 1,
  unsigned16: 2,
  unsigned32: 4,
  unsigned64: 8,
  ipv4Address: 4,
  ipv6Address: 16,
  dateTimeSeconds: 4,
  dateTimeMilliseconds: 8,
  dateTimeMicroseconds: 8,
  dateTimeNanoseconds: 8,
  octetArray: 65535,
};

// What each decoder operation means, in the names of tshark's IPFIX dissector fields: the
// element the table maps to an operation must be the element tshark decodes as that thing.
const TSHARK_FIELDS: Record<number, readonly string[]> = {
  [Op.bytesFwd]: ['cflow.octets', 'cflow.permanent_octets', 'cflow.initiator_octets'],
  [Op.packetsFwd]: ['cflow.packets', 'cflow.permanent_packets', 'cflow.initiator_packets'],
  [Op.bytesRev]: [
    'cflow.responder_octets',
    'reverse cflow.octets',
    'reverse cflow.permanent_octets',
  ],
  [Op.packetsRev]: [
    'cflow.responder_packets',
    'reverse cflow.packets',
    'reverse cflow.permanent_packets',
  ],
  [Op.protocol]: ['cflow.protocol'],
  [Op.tcpFlagsFwd]: ['cflow.tcpflags'],
  [Op.tcpFlagsRev]: ['reverse cflow.tcpflags'],
  [Op.srcPort]: ['cflow.srcport'],
  [Op.dstPort]: ['cflow.dstport'],
  [Op.src4]: ['cflow.srcaddr'],
  [Op.dst4]: ['cflow.dstaddr'],
  [Op.src6]: ['cflow.srcaddrv6'],
  [Op.dst6]: ['cflow.dstaddrv6'],
  [Op.ipVersion]: ['cflow.ip_version'],
  [Op.startUptime]: ['cflow.timestart'],
  [Op.endUptime]: ['cflow.timeend'],
  [Op.startSeconds]: ['cflow.abstimestart'],
  [Op.endSeconds]: ['cflow.abstimeend'],
  [Op.startMillis]: ['cflow.abstimestart'],
  [Op.endMillis]: ['cflow.abstimeend'],
  [Op.startMicrosNtp]: ['cflow.abstimestart'],
  [Op.endMicrosNtp]: ['cflow.abstimeend'],
  [Op.startNanosNtp]: ['cflow.abstimestart'],
  [Op.endNanosNtp]: ['cflow.abstimeend'],
  [Op.startDeltaMicros]: ['cflow.abstimestart'],
  [Op.endDeltaMicros]: ['cflow.abstimeend'],
  [Op.systemInitMillis]: ['cflow.sys_init_time'],
  [Op.samplingInterval]: ['cflow.sampling_interval'],
  [Op.samplerId]: ['cflow.sampler_id'],
  [Op.samplerRandomInterval]: ['cflow.sampler_random_interval'],
  [Op.selectorId]: ['cflow.selector_id'],
  [Op.packetInterval]: ['cflow.sampling_packet_interval'],
  [Op.packetSpace]: ['cflow.sampling_packet_space'],
  [Op.samplingSize]: ['cflow.sampling_size'],
  [Op.samplingPopulation]: ['cflow.sampling_population'],
  [Op.biflowDirection]: ['cflow.biflow_direction'],
  [Op.ipHeaderSection]: ['cflow.section_header'],
  [Op.ipPayloadSection]: ['cflow.section_payload'],
  [Op.dataLinkSection]: ['cflow.data_link_frame_section'],
  [Op.revIpHeaderSection]: ['reverse cflow.section_header'],
  [Op.revIpPayloadSection]: ['reverse cflow.section_payload'],
  [Op.revDataLinkSection]: ['reverse cflow.data_link_frame_section'],
};

test('tshark decodes every IANA and RFC 5103 element of the table as the table says', () => {
  // One data record per element (tshark stops dissecting a record at some byte strings),
  // each with a value that fills its field.
  const tables: [number, readonly ElementSpec[]][] = [
    [0, IANA_ELEMENTS],
    [REVERSE_PEN, REVERSE_ELEMENTS],
  ];
  const frames: Uint8Array[] = [];
  const expected: { element: string; op: number; pos: number; bytes: string }[] = [];
  for (const [enterprise, table] of tables) {
    for (const e of table) {
      const length = LENGTH[e.type];
      const value: FieldValue =
        length === 65535
          ? Uint8Array.from([0xde, 0xad, 0xbe, 0xef, e.id & 255])
          : Uint8Array.from({ length }, (_, i) => (e.id + i + 1) & 255);
      // A fixed-length field first: tshark 4.0 finds no template made of variable-length
      // fields alone.
      const fields: FieldSpec[] = [
        { id: 8, length: 4 },
        { id: e.id, length, enterprise },
      ];
      // A template id of its own: tshark keeps templates across the capture's frames.
      const templateId = 256 + frames.length;
      const message = ipfixMessage(1, T0, [
        ipfixTemplateSet([{ id: templateId, fields }]),
        dataSet(templateId, [record(fields, ['192.0.2.9', value])]),
      ]);
      // Message header 16; template set 4 + 4 + field specifiers (4, +4 with an enterprise);
      // data set header 4, then the address.
      const dataStart = 16 + 8 + 4 + (enterprise === 0 ? 4 : 8) + 4 + 4;
      const prefix = length === 65535 ? 1 : 0;
      const bytes = Buffer.from(value).toString('hex');
      expected.push({
        element: `${enterprise}/${e.id} ${e.name}`,
        op: e.op,
        pos: IPFIX_OFFSET + dataStart + prefix,
        bytes,
      });
      frames.push(ipfixFrame(message));
    }
  }
  const packets = tsharkPdml(frames, LINKTYPE_ETHERNET, ['-d', 'udp.port==4739,cflow']);
  assert.equal(packets.length, frames.length);
  const wrong: string[] = [];
  expected.forEach((x, i) => {
    const fields = packets[i]!;
    // tshark says in the template whether an element is an RFC 5103 reverse one.
    const reverse = fields.some(
      (p) => p.name === 'cflow.template_ipfix_field_type' && p.showname.endsWith('[Reverse]'),
    );
    const named = fields
      .filter(
        // tshark 4.0 gives some 8-byte times a 4-byte extent: within our field is enough.
        (p) =>
          p.name.startsWith('cflow.') &&
          p.pos === x.pos &&
          p.value !== '' &&
          x.bytes.startsWith(p.value),
      )
      .map((p) => (reverse ? `reverse ${p.name}` : p.name));
    const allowed = TSHARK_FIELDS[x.op] ?? [];
    if (!named.some((n) => allowed.includes(n)))
      wrong.push(`${x.element}: tshark reads ${named.join(' ') || 'nothing'} at its bytes`);
  });
  assert.deepEqual(wrong, []);
});

/** The transport payload tshark finds in a packet section, dissected as `linkType`. */
function tsharkPayload(section: Uint8Array, linkType: number): string {
  const fields = tsharkPdml([section], linkType)[0] ?? [];
  const payload = fields.find((f) => f.name === 'tcp.payload' || f.name === 'udp.payload');
  return payload?.value ?? '';
}

test('packet sections 313, 314 and 315 carry what tshark calls them, and decode to its payload', () => {
  const hello = Buffer.from('16030100a5010000a10303', 'hex');
  const seg = tcpSegment(40000, 8443, 0x18, hello);
  const ip4 = ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg);
  const ip6 = ipv6Packet('2001:db8::1', '2001:db8::2', 6, seg);
  const basic: FieldSpec[] = [
    { id: 8, length: 4 },
    { id: 12, length: 4 },
    { id: 7, length: 2 },
    { id: 11, length: 2 },
    { id: 4, length: 1 },
    { id: 152, length: 8 },
  ];
  const basicValues: FieldValue[] = ['10.0.0.1', '10.0.0.2', 40000, 8443, 6, BigInt(T0 * 1000)];
  // Each section as tshark's own dissectors read that kind of bytes: an IP header section as
  // a raw IP packet, a data link section as an Ethernet frame, a payload section after the
  // IP header the record's protocol implies.
  const cases: {
    id: number;
    tsharkName: string;
    section: Uint8Array;
    asPacket: Uint8Array;
    link: number;
  }[] = [
    {
      id: 313,
      tsharkName: 'cflow.section_header',
      section: ip4,
      asPacket: ip4,
      link: LINKTYPE_RAW,
    },
    {
      id: 313,
      tsharkName: 'cflow.section_header',
      section: ip6,
      asPacket: ip6,
      link: LINKTYPE_RAW,
    },
    {
      id: 314,
      tsharkName: 'cflow.section_payload',
      section: seg,
      asPacket: ipv4Packet('10.0.0.1', '10.0.0.2', 6, seg),
      link: LINKTYPE_RAW,
    },
    {
      id: 315,
      tsharkName: 'cflow.data_link_frame_section',
      section: ethernetFrame(ip4),
      asPacket: ethernetFrame(ip4),
      link: LINKTYPE_ETHERNET,
    },
  ];
  for (const c of cases) {
    const fields: FieldSpec[] = [...basic, { id: c.id, length: 65535 }];
    const message = ipfixMessage(1, T0, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [record(fields, [...basicValues, c.section])]),
    ]);
    const theirs =
      tsharkPdml([ipfixFrame(message)], LINKTYPE_ETHERNET, ['-d', 'udp.port==4739,cflow'])[0] ?? [];
    const sectionHex = Buffer.from(c.section).toString('hex');
    assert.ok(
      theirs.some((f) => f.name === c.tsharkName && f.value === sectionHex),
      `tshark reads element ${c.id} as ${c.tsharkName} with the section's bytes`,
    );
    const payload = tsharkPayload(c.asPacket, c.link);
    assert.equal(payload, hello.toString('hex'), `tshark finds the payload in a ${c.id} section`);
    const flow = new FlowExportDecoder().decode(message, '192.0.2.1').records[0];
    assert.ok(flow !== undefined, `element ${c.id}: a flow`);
    assert.equal(
      Buffer.from(flow.initiatorPayload ?? new Uint8Array(0)).toString('hex'),
      payload,
      `element ${c.id}: our payload prefix is tshark's`,
    );
  }
});

test('the registry snapshot is what its Debian sources regenerate', () => {
  need('dpkg-query', 'dpkg');
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'tools/generate-ipfix-registry.ts', '--check'],
    { cwd: new URL('../..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  assert.match(out, /up to date/);
});
