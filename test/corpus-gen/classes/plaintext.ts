// Plaintext protocols, binary and text, that must never be taken for encryption: NTP, SNMP,
// syslog and Redis RESP, encoded here per their specifications and sent over real sockets.
import { scriptedTcp, scriptedUdp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

/** Seconds between the NTP era 0 epoch (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;

function ntpTimestamp(buf: Buffer, offset: number, unixSeconds: number, rng: Rng): void {
  buf.writeUInt32BE(Math.floor(unixSeconds) + NTP_UNIX_OFFSET, offset);
  buf.writeUInt32BE(rng.int(0, 0xffffffff), offset + 4);
}

/** RFC 5905 client (mode 3) request and server (mode 4) reply, 48 bytes each. */
async function ntp(ctx: FlowContext): Promise<FlowOutcome> {
  const now = 1_767_225_600 + ctx.index * 64;
  const req = Buffer.alloc(48);
  req[0] = (0 << 6) | (4 << 3) | 3; // LI 0, version 4, mode 3
  ntpTimestamp(req, 40, now, ctx.rng);
  const res = Buffer.alloc(48);
  res[0] = (0 << 6) | (4 << 3) | 4;
  res[1] = 2; // stratum
  res[2] = 6; // poll
  res[3] = 0xe9; // precision -23
  res.writeUInt32BE(ctx.rng.int(0, 0x2000), 4); // root delay
  res.writeUInt32BE(ctx.rng.int(0, 0x2000), 8); // root dispersion
  Buffer.from([192, 0, 2, ctx.rng.int(1, 254)]).copy(res, 12); // reference id
  ntpTimestamp(res, 16, now - 30, ctx.rng);
  req.copy(res, 24, 40, 48); // origin = client's transmit
  ntpTimestamp(res, 32, now, ctx.rng);
  ntpTimestamp(res, 40, now, ctx.rng);
  const polls = ctx.rng.int(1, 3);
  const steps: ScriptStep[] = [];
  for (let i = 0; i < polls; i++)
    steps.push({ from: 'client', data: req }, { from: 'server', data: res });
  return { transcript: await scriptedUdp(steps), detail: `${polls} NTPv4 client/server exchanges` };
}

/** Minimal BER: tag, definite length, contents. */
function ber(tag: number, content: Buffer): Buffer {
  const len = content.length;
  const lenBytes =
    len < 0x80
      ? Buffer.from([len])
      : len < 0x100
        ? Buffer.from([0x81, len])
        : Buffer.from([0x82, len >> 8, len & 0xff]);
  return Buffer.concat([Buffer.from([tag]), lenBytes, content]);
}

function berInt(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return ber(0x02, Buffer.from(bytes));
}

function berOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let v = p >> 7;
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out.push(...chunk);
  }
  return ber(0x06, Buffer.from(out));
}

const OIDS = [
  '1.3.6.1.2.1.1.1.0',
  '1.3.6.1.2.1.1.3.0',
  '1.3.6.1.2.1.1.5.0',
  '1.3.6.1.2.1.2.2.1.10.1',
];

/** SNMPv2c (RFC 3416) GetRequest and Response. */
async function snmp(ctx: FlowContext): Promise<FlowOutcome> {
  const oid = ctx.rng.pick(OIDS);
  const requestId = ctx.rng.int(1, 0x7fffffff);
  const community = ctx.rng.pick(['public', 'monitoring']);
  const message = (pduTag: number, value: Buffer): Buffer =>
    ber(
      0x30,
      Buffer.concat([
        berInt(1),
        ber(0x04, Buffer.from(community)),
        ber(
          pduTag,
          Buffer.concat([
            berInt(requestId),
            berInt(0),
            berInt(0),
            ber(0x30, ber(0x30, Buffer.concat([berOid(oid), value]))),
          ]),
        ),
      ]),
    );
  const value = oid.endsWith('.1.0')
    ? ber(0x04, Buffer.from('Linux corpus 6.1.0 x86_64'))
    : ber(0x43, berInt(ctx.rng.int(1, 1e9)).subarray(2));
  const steps: ScriptStep[] = [
    { from: 'client', data: message(0xa0, Buffer.from([0x05, 0x00])) },
    { from: 'server', data: message(0xa2, value) },
  ];
  return {
    transcript: await scriptedUdp(steps),
    detail: `GetRequest ${oid}, community ${community}`,
  };
}

/** RFC 5424 syslog messages over UDP, one way. */
async function syslog(ctx: FlowContext): Promise<FlowOutcome> {
  const count = ctx.rng.int(2, 5);
  const steps: ScriptStep[] = [];
  for (let i = 0; i < count; i++) {
    const pri = ctx.rng.int(0, 23) * 8 + ctx.rng.int(0, 7);
    const msg = `<${pri}>1 2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z host${ctx.index} sshd ${ctx.rng.int(100, 9999)} - - Accepted publickey for user${ctx.rng.int(1, 50)} from 10.0.0.${ctx.rng.int(1, 254)} port ${ctx.rng.int(1024, 65535)} ssh2`;
    steps.push({ from: 'client', data: Buffer.from(msg) });
  }
  return { transcript: await scriptedUdp(steps), detail: `${count} RFC 5424 messages` };
}

function resp(args: string[]): Buffer {
  return Buffer.from(
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
  );
}

/** Redis RESP2: SET then GET of a value, with the server's replies. */
async function redis(ctx: FlowContext): Promise<FlowOutcome> {
  const key = `session:${ctx.rng.int(1, 99999)}`;
  const value = ctx.rng.bytes(ctx.rng.int(10, 400)).toString('hex');
  const steps: ScriptStep[] = [
    { from: 'client', data: resp(['SET', key, value]) },
    { from: 'server', data: Buffer.from('+OK\r\n') },
    { from: 'client', data: resp(['GET', key]) },
    { from: 'server', data: Buffer.from(`$${value.length}\r\n${value}\r\n`) },
  ];
  return { transcript: await scriptedTcp(steps), detail: `SET/GET ${key}` };
}

export const plaintextClasses: readonly FlowClass[] = [
  {
    name: 'ntp',
    label: 'plaintext',
    transport: 'udp',
    ports: [123],
    ipv6: true,
    reproducible: true,
    description: 'NTPv4 client/server (RFC 5905), 48-byte binary messages',
    make: ntp,
  },
  {
    name: 'snmp',
    label: 'plaintext',
    transport: 'udp',
    ports: [161],
    ipv6: true,
    reproducible: true,
    description: 'SNMPv2c GetRequest/Response (BER)',
    make: snmp,
  },
  {
    name: 'syslog',
    label: 'plaintext',
    transport: 'udp',
    ports: [514],
    ipv6: true,
    reproducible: true,
    description: 'RFC 5424 syslog over UDP, one way',
    make: syslog,
  },
  {
    name: 'redis-resp',
    label: 'plaintext',
    transport: 'tcp',
    ports: [6379, 16379],
    ipv6: true,
    reproducible: true,
    description: 'Redis RESP2 SET and GET with replies',
    make: redis,
  },
];
