// The capture the interop tests replay: the committed corpus pcaps merged into one, or,
// when no corpus is there, a real TCP + UDP exchange captured on loopback with tcpdump.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mergeCaptures } from './exporters.js';

const CORPUS = join(import.meta.dirname, '../../../../test/corpus/ci');

async function captureLoopback(out: string): Promise<void> {
  const server = createServer((s) => s.pipe(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tcpPort = (server.address() as { port: number }).port;
  const udp = createSocket('udp4');
  udp.on('message', (m, r) => udp.send(m, r.port, r.address));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  const udpPort = udp.address().port;
  const dump = spawn(
    'tcpdump',
    ['-i', 'lo', '-U', '-w', out, `port ${tcpPort} or port ${udpPort}`],
    {
      stdio: 'ignore',
    },
  );
  try {
    await sleep(1000);
    const c = connect(tcpPort, '127.0.0.1');
    await once(c, 'connect');
    for (let i = 0; i < 5; i++) {
      c.write(randomBytes(300));
      await sleep(20);
    }
    c.end();
    await once(c, 'close');
    const u = createSocket('udp4');
    for (let i = 0; i < 3; i++) u.send(randomBytes(100), udpPort, '127.0.0.1');
    await sleep(300);
    u.close();
  } finally {
    dump.kill('SIGINT');
    await once(dump, 'exit');
    server.close();
    udp.close();
  }
}

/** Path of a pcap to replay, written under `dir`. */
export async function interopCapture(dir: string): Promise<string> {
  const out = join(dir, 'interop.pcap');
  const corpus = existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => join(CORPUS, f))
    : [];
  if (corpus.length > 0) mergeCaptures(corpus, out);
  else await captureLoopback(out);
  return out;
}
