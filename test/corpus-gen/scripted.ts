// Plays a scripted exchange over real loopback sockets, for protocols whose bytes the
// generator computes itself (home-made encrypted channels, WireGuard, OpenVPN, NTP…): each
// side writes its messages in turn and waits for the other side's before going on.
import { createServer, connect, type Socket } from 'node:net';
import { bindUdp, listenTcp, recordTcp, withTimeout } from './record.js';
import { streamOf, type Side, type Transcript, type TranscriptEvent } from './transcript.js';

export interface ScriptStep {
  readonly from: Side;
  readonly data: Buffer;
}

/** Resolves once `socket` has delivered `n` more bytes. */
function reader(socket: Socket): (n: number) => Promise<void> {
  let have = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    have += d.length;
    if (wake && have >= want) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return (n) => {
    want += n;
    if (have >= want) return Promise.resolve();
    return new Promise<void>((resolve) => (wake = resolve));
  };
}

async function play(socket: Socket, me: Side, steps: readonly ScriptStep[]): Promise<void> {
  const read = reader(socket);
  for (const step of steps) {
    if (step.from === me) socket.write(step.data);
    else await read(step.data.length);
  }
}

/** A TCP exchange: the client connects, both sides play the script, the client closes. */
export async function scriptedTcp(steps: readonly ScriptStep[]): Promise<Transcript> {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    play(s, 'server', steps).catch(() => s.destroy());
  });
  const listening = await listenTcp(server);
  let recorded: Transcript;
  try {
    recorded = await recordTcp(
      listening,
      (port) =>
        new Promise<void>((resolve, reject) => {
          const c = connect({ host: '127.0.0.1', port }, () => {
            c.setNoDelay(true);
            play(c, 'client', steps).then(
              () => c.end(),
              (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
            );
          });
          c.on('close', () => resolve());
          c.on('error', reject);
        }),
    );
  } finally {
    await listening.close();
  }
  // The script's steps are the writes; the relay's reads may split or merge them, so keep
  // the steps (once the sockets proved to carry exactly them) and the recorded FIN order.
  for (const side of ['client', 'server'] as const) {
    const sent = Buffer.concat(steps.filter((s) => s.from === side).map((s) => s.data));
    if (!sent.equals(streamOf(recorded, side)))
      throw new Error(`scripted TCP exchange: the ${side}'s bytes did not arrive intact`);
  }
  const fins = recorded.events.filter((e) => e.kind === 'fin');
  return {
    transport: 'tcp',
    events: [...steps.map((s) => ({ kind: 'data' as const, from: s.from, data: s.data })), ...fins],
  };
}

/**
 * A UDP exchange over two bound loopback sockets: each datagram is sent by its side and
 * received by the other before the next one goes, and the transcript keeps them as received.
 */
export async function scriptedUdp(steps: readonly ScriptStep[]): Promise<Transcript> {
  const events: TranscriptEvent[] = [];
  let arrived: (() => void) | undefined;
  const record = (from: Side, msg: Buffer): void => {
    events.push({ kind: 'data', from, data: msg });
    arrived?.();
  };
  // Each socket notes what it receives, i.e. what the other side sent.
  const client = await bindUdp((m) => record('server', m));
  const server = await bindUdp((m) => record('client', m));
  try {
    for (const step of steps) {
      const got = new Promise<void>((resolve) => (arrived = resolve));
      const [from, toPort] = step.from === 'client' ? [client, server.port] : [server, client.port];
      from.socket.send(step.data, toPort, '127.0.0.1');
      await withTimeout(got, 'UDP exchange');
    }
  } finally {
    await client.close();
    await server.close();
  }
  return { transport: 'udp', events };
}
