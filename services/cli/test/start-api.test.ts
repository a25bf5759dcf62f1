// `opaqueflow start` serves the query API over the embedded pipeline: the bundled sample's
// detections are there at once, with the printed (or OPAQUEFLOW_API_KEY) key; live exports
// join them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  dataSet,
  ipfixMessage,
  ipfixTemplateSet,
} from '../../../libs/decoders/test/flow-export/builders.js';
import { PAYLOAD_FIELDS, tcpFlowRecord } from './ipfix-fixture.js';

const bin = fileURLToPath(new URL('../bin/opaqueflow.mjs', import.meta.url));

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly key: string;
  readonly ipfixPort: number;
  stderr: () => string;
}

async function startCli(extra: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      bin,
      'start',
      '--api-port',
      '0',
      '--netflow-port',
      'off',
      '--sflow-port',
      'off',
      '--ipfix-port',
      '0',
      '--status-interval',
      'off',
      ...extra,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  child.stdout.resume();
  return new Promise<Started>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const url = /query API on (http:\/\/\S+) /.exec(stderr)?.[1];
      const key = /API key[^:]*: (\S+)/.exec(stderr)?.[1];
      const ipfix = /IPFIX udp\/(\d+)/.exec(stderr)?.[1];
      if (url && key && ipfix)
        resolve({ child, url, key, ipfixPort: Number(ipfix), stderr: () => stderr });
    });
    child.once('exit', () => reject(new Error(`start exited early: ${stderr}`)));
  });
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  const [code] = (await once(s.child, 'exit')) as [number | null];
  assert.equal(code, 0, s.stderr());
}

const list = async (s: Started, key = s.key) => {
  const r = await fetch(`${s.url}/v1/detections?limit=100`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    status: r.status,
    body: (await r.json()) as { data: { dstPort: number; srcAddr: string }[] },
  };
};

test('start serves the API with the sample replayed: detections at once with the printed key', async () => {
  const s = await startCli([]);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(
      s.stderr(),
      /curl -H 'Authorization: Bearer \S+' http:\/\/127\.0\.0\.1:\d+\/v1\/detections/,
    );
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    const r = await list(s);
    assert.equal(r.status, 200);
    assert.ok(r.body.data.length >= 5, `sample detections: ${r.body.data.length}`);
    assert.ok(r.body.data.some((d) => d.dstPort === 8388));
    assert.equal((await list(s, 'not-the-key')).status, 401);

    // A live export joins the sample in the API.
    const now = Date.now();
    const message = ipfixMessage(1, Math.floor(now / 1000), [
      ipfixTemplateSet([{ id: 256, fields: PAYLOAD_FIELDS }]),
      dataSet(256, [
        tcpFlowRecord({
          src: '10.1.2.3',
          srcPort: 41000,
          dstPort: 4444,
          startMs: now - 2000,
          durationMs: 2000,
          payload: randomBytes(600),
        }),
      ]),
    ]);
    const socket = createSocket('udp4');
    socket.send(message, s.ipfixPort, '127.0.0.1');
    const deadline = Date.now() + 20_000;
    let live = false;
    while (!live && Date.now() < deadline) {
      live = (await list(s)).body.data.some((d) => d.srcAddr === '10.1.2.3' && d.dstPort === 4444);
      if (!live) await new Promise((r) => setTimeout(r, 200));
    }
    socket.close();
    assert.ok(live, 'the live IPFIX detection is served');
  } finally {
    await stop(s);
  }
});

test('start takes its key from OPAQUEFLOW_API_KEY, and --no-sample starts empty', async () => {
  const key = `of_${randomBytes(16).toString('hex')}`;
  const s = await startCli(['--no-sample'], { OPAQUEFLOW_API_KEY: key });
  try {
    assert.equal(s.key, key);
    assert.match(s.stderr(), /from OPAQUEFLOW_API_KEY/);
    const r = await list(s, key);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, []);
  } finally {
    await stop(s);
  }
});
