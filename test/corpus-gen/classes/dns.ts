// DNS queries and answers encoded by dns-packet, over UDP and over TCP (RFC 1035 4.2.2
// two-byte length framing), exchanged by real loopback sockets.
import { createServer } from 'node:net';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { listenTcp, recordTcp } from '../record.js';
import { scriptedUdp } from '../scripted.js';
import type { Rng } from '../rng.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

const NAMES = [
  'example.com',
  'www.example.net',
  'mail.example.org',
  'api.example.com',
  'cdn.example.net',
];
const TYPES = ['A', 'AAAA', 'MX', 'TXT'] as const;
type QType = (typeof TYPES)[number];

function query(rng: Rng, name: string, type: QType): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: rng.int(0, 0xffff),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  });
}

function answerFor(rng: Rng, request: Buffer): Buffer {
  const q = dnsPacket.decode(request);
  const question = q.questions?.[0];
  const name = question?.name ?? 'example.com';
  const type = (question?.type ?? 'A') as QType;
  const ttl = rng.int(60, 86400);
  const answers: dnsPacket.Answer[] = [];
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    if (type === 'A') answers.push({ type, name, ttl, data: `192.0.2.${rng.int(1, 254)}` });
    else if (type === 'AAAA')
      answers.push({ type, name, ttl, data: `2001:db8::${rng.int(1, 0xfff).toString(16)}` });
    else if (type === 'MX')
      answers.push({
        type,
        name,
        ttl,
        data: { preference: 10 * (i + 1), exchange: `mx${i}.${name}` },
      });
    else answers.push({ type: 'TXT', name, ttl, data: [`v=spf1 include:_spf.${name} ~all`] });
  }
  return dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions ?? [],
    answers,
  });
}

async function dnsUdp(ctx: FlowContext): Promise<FlowOutcome> {
  const name = ctx.rng.pick(NAMES);
  const types: QType[] = [ctx.rng.pick(TYPES), ctx.rng.pick(TYPES)];
  const transcript = await scriptedUdp(
    types.flatMap((t) => {
      const q = query(ctx.rng, name, t);
      return [
        { from: 'client' as const, data: q },
        { from: 'server' as const, data: answerFor(ctx.rng, q) },
      ];
    }),
  );
  return { transcript, detail: `${types.join('+')} ${name}` };
}

async function dnsTcp(ctx: FlowContext): Promise<FlowOutcome> {
  const name = ctx.rng.pick(NAMES);
  const type = ctx.rng.pick(TYPES);
  const server = createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const answer = answerFor(ctx.rng, buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        const framed = Buffer.alloc(2 + answer.length);
        framed.writeUInt16BE(answer.length, 0);
        answer.copy(framed, 2);
        s.write(framed);
      }
    });
    s.on('error', () => s.destroy());
  });
  const listening = await listenTcp(server);
  try {
    const transcript = await recordTcp(
      listening,
      (port) =>
        new Promise<void>((resolve, reject) => {
          const q = query(ctx.rng, name, type);
          const framed = Buffer.alloc(2 + q.length);
          framed.writeUInt16BE(q.length, 0);
          q.copy(framed, 2);
          const c = connect({ host: '127.0.0.1', port }, () => c.write(framed));
          c.once('data', () => c.end());
          c.on('close', () => resolve());
          c.on('error', reject);
        }),
    );
    return { transcript, detail: `${type} ${name} over TCP` };
  } finally {
    await listening.close();
  }
}

export const dnsClasses: readonly FlowClass[] = [
  {
    name: 'dns-udp',
    label: 'plaintext',
    transport: 'udp',
    ports: [53],
    ipv6: true,
    reproducible: true,
    description: 'DNS over UDP (dns-packet): two queries and their answers',
    make: dnsUdp,
  },
  {
    name: 'dns-tcp',
    label: 'plaintext',
    transport: 'tcp',
    ports: [53],
    ipv6: true,
    reproducible: true,
    description: 'DNS over TCP (dns-packet, 2-byte length framing): one query and its answer',
    make: dnsTcp,
  },
];
