// SMTP with STARTTLS (RFC 3207): a plaintext greeting and EHLO, then the same connection
// upgraded to TLS by node:tls on both ends, as mail relays do on 25 and submission on 587.
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect, createSecureContext } from 'node:tls';
import { listenTcp, recordTcp } from '../record.js';
import { serverCredentials } from './tls.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

/** Resolves with the text read once it ends with a final reply line (code + space) or a command. */
function readUntil(s: Socket | TLSSocket, done: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (done.test(text)) {
        s.off('data', onData);
        s.off('error', reject);
        resolve(text);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

const FINAL_REPLY = /(^|\r\n)\d{3} [^\r\n]*\r\n$/;
const COMMAND = /\r\n$/;

async function smtpStarttls(ctx: FlowContext): Promise<FlowOutcome> {
  const { key, cert } = await serverCredentials();
  const secureContext = createSecureContext({ key, cert });
  const host = ctx.rng.pick(['mail.example.com', 'smtp.example.net', 'mx1.example.org']);
  const body = ctx.rng.bytes(ctx.rng.int(200, 3000)).toString('base64');
  const server = createServer((s) => {
    s.on('error', () => s.destroy());
    void (async () => {
      s.write(`220 ${host} ESMTP ready\r\n`);
      await readUntil(s, COMMAND);
      s.write(
        `250-${host}\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250 STARTTLS\r\n`,
      );
      await readUntil(s, COMMAND);
      s.write('220 2.0.0 Ready to start TLS\r\n');
      const t = new TLSSocket(s, { isServer: true, secureContext });
      t.on('error', () => s.destroy());
      await readUntil(t, COMMAND);
      t.write(`250-${host}\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n`);
      await readUntil(t, /\r\n\.\r\n$/);
      t.write('250 2.0.0 Ok: queued\r\n');
      await readUntil(t, COMMAND);
      t.end('221 2.0.0 Bye\r\n');
    })().catch(() => s.destroy());
  });
  const listening = await listenTcp(server);
  try {
    const transcript = await recordTcp(listening, async (port) => {
      const s = netConnect({ host: '127.0.0.1', port });
      await readUntil(s, FINAL_REPLY);
      s.write(`EHLO client${ctx.index}.example.com\r\n`);
      await readUntil(s, FINAL_REPLY);
      s.write('STARTTLS\r\n');
      await readUntil(s, FINAL_REPLY);
      const t = tlsConnect({ socket: s, servername: host, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => {
        t.once('secureConnect', () => resolve());
        t.once('error', reject);
      });
      t.write(`EHLO client${ctx.index}.example.com\r\n`);
      await readUntil(t, FINAL_REPLY);
      t.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<b@${host}>\r\nDATA\r\n${body}\r\n.\r\n`);
      await readUntil(t, FINAL_REPLY);
      t.write('QUIT\r\n');
      await readUntil(t, FINAL_REPLY);
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        t.end();
      });
    });
    return { transcript, detail: `SNI ${host}` };
  } finally {
    await listening.close();
  }
}

export const starttlsClasses: readonly FlowClass[] = [
  {
    name: 'smtp-starttls',
    label: 'tls',
    transport: 'tcp',
    ports: [25, 587],
    ipv6: true,
    reproducible: false,
    description:
      'SMTP greeting and EHLO in the clear, STARTTLS, then TLS (node:tls) on the same connection',
    make: smtpStarttls,
  },
];
