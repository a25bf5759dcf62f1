import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KafkaError, Registry, valueSubject } from '../src/index.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A scripted registry on 127.0.0.1 that records the calls it gets. */
async function withRegistry(
  handler: Handler,
  run: (url: string, calls: string[]) => Promise<void>,
) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${body}`.trim());
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7/`, calls);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

test('subjects follow TopicNameStrategy', () => {
  assert.equal(valueSubject('opaqueflow.flows.v1'), 'opaqueflow.flows.v1-value');
});

test('register pins BACKWARD before registering when the registry allows it', async () => {
  await withRegistry(
    (req, _body, res) =>
      req.method === 'PUT'
        ? json(res, 200, { compatibility: 'BACKWARD' })
        : json(res, 200, { id: 7 }),
    async (url, calls) => {
      const id = await new Registry({ url }).register('t-value', '{"type":"string"}');
      assert.equal(id, 7);
      assert.deepEqual(calls, [
        'PUT /apis/ccompat/v7/config/t-value {"compatibility":"BACKWARD"}',
        'POST /apis/ccompat/v7/subjects/t-value/versions {"schema":"{\\"type\\":\\"string\\"}"}',
      ]);
    },
  );
});

test('a registry that does not know the subject yet gets the level right after the first version', async () => {
  let registered = false;
  await withRegistry(
    (req, _body, res) => {
      if (req.method === 'PUT')
        return registered ? json(res, 200, {}) : json(res, 404, { error_code: 40401 });
      registered = true;
      json(res, 200, { id: 3 });
    },
    async (url, calls) => {
      assert.equal(await new Registry({ url }).register('t-value', '"string"'), 3);
      assert.deepEqual(
        calls.map((c) => c.split(' ').slice(0, 2).join(' ')),
        [
          'PUT /apis/ccompat/v7/config/t-value',
          'POST /apis/ccompat/v7/subjects/t-value/versions',
          'PUT /apis/ccompat/v7/config/t-value',
        ],
      );
    },
  );
});

test('409 is SCHEMA_INCOMPATIBLE; other failures are REGISTRY_FAILED with the status', async () => {
  await withRegistry(
    (req, _body, res) =>
      req.method === 'PUT'
        ? json(res, 200, {})
        : req.url?.includes('bad')
          ? json(res, 500, { message: 'boom' })
          : json(res, 409, { error_code: 409, message: 'incompatible' }),
    async (url) => {
      const registry = new Registry({ url });
      await assert.rejects(
        registry.register('t-value', '"string"'),
        (e: unknown) => e instanceof KafkaError && e.code === 'SCHEMA_INCOMPATIBLE',
      );
      await assert.rejects(
        registry.register('bad-value', '"string"'),
        (e: unknown) =>
          e instanceof KafkaError && e.code === 'REGISTRY_FAILED' && /HTTP 500/.test(e.message),
      );
    },
  );
});

test('an unreachable registry is REGISTRY_FAILED with the cause', async () => {
  const registry = new Registry({ url: 'http://127.0.0.1:1', timeoutMs: 2_000 });
  await assert.rejects(
    registry.getCompatibility('x-value'),
    (e: unknown) =>
      e instanceof KafkaError && e.code === 'REGISTRY_FAILED' && e.cause !== undefined,
  );
});
