// SSH through the ssh2 library: a real server and client, password auth, one exec'd command.
import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { listenTcp, recordTcp } from '../record.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

let hostKey: string | undefined;

function serverHostKey(): string {
  // ECDSA in SEC1 PEM is a host key format ssh2 parses without a native binding.
  hostKey ??= generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'sec1', format: 'pem' })
    .toString();
  return hostKey;
}

/** Rotated by flow so the corpus holds more than one packet protection. */
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr'] as const;

const COMMANDS = ['uptime', 'ls -la /var/log', 'cat /etc/os-release', 'df -h', 'id'];

async function sshExchange(ctx: FlowContext): Promise<FlowOutcome> {
  const command = ctx.rng.pick(COMMANDS);
  const cipher = CIPHERS[ctx.index % CIPHERS.length]!;
  const output = ctx.rng.bytes(ctx.rng.int(100, 3000)).toString('base64');
  const server = new ssh2.Server({ hostKeys: [serverHostKey()] }, (conn) => {
    conn.on('authentication', (auth) => {
      if (auth.method === 'password' && auth.username === 'corpus') auth.accept();
      else auth.reject(['password']);
    });
    conn.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec) => {
        const stream = acceptExec();
        stream.write(`${output}\n`);
        stream.exit(0);
        stream.end();
      });
    });
    conn.on('error', () => undefined);
  });
  const listening = await listenTcp(server);
  try {
    const transcript = await recordTcp(
      listening,
      (port) =>
        new Promise<void>((resolve, reject) => {
          const client = new ssh2.Client();
          client.on('ready', () => {
            client.exec(command, (err, stream) => {
              if (err) return reject(err);
              stream.on('data', () => undefined);
              stream.on('close', () => client.end());
            });
          });
          client.on('close', () => resolve());
          client.on('error', reject);
          client.connect({
            host: '127.0.0.1',
            port,
            username: 'corpus',
            password: 'not-a-secret',
            readyTimeout: 10_000,
            algorithms: { cipher: [cipher] },
          });
        }),
    );
    return { transcript, detail: `ssh2 exec "${command}", ${cipher}` };
  } finally {
    await listening.close();
  }
}

export const sshClasses: readonly FlowClass[] = [
  {
    name: 'ssh-22',
    label: 'ssh',
    transport: 'tcp',
    ports: [22],
    ipv6: true,
    reproducible: false,
    description: 'SSH-2 (ssh2 client and server) on 22, password auth, one exec',
    make: sshExchange,
  },
  {
    name: 'ssh-odd-port',
    label: 'ssh',
    transport: 'tcp',
    ports: [2222, 22222, 8022, 45022],
    ipv6: true,
    reproducible: false,
    description: 'SSH-2 (ssh2 client and server) on non-standard ports, password auth, one exec',
    make: sshExchange,
  },
];
