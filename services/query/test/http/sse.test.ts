import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { READ_KEY, testApp } from './helpers.js';
import { makeDetection } from '../fixtures.js';

interface SseEvent {
  id: string;
  event: string;
  data: { id: string };
}

/** Reads events from a live feed until `count` arrived, then closes the connection. */
function readEvents(
  port: number,
  count: number,
  headers: Record<string, string> = {},
  query = '',
): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: `/v1/detections/stream${query}`,
        headers: { authorization: `Bearer ${READ_KEY}`, ...headers },
      },
      (res: IncomingMessage) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        let buffer = '';
        const events: SseEvent[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let at;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              const m = /^(\w+): ?(.*)$/.exec(line);
              if (m) fields[m[1]!] = m[2]!;
            }
            if (fields.event === undefined) continue;
            events.push({
              id: fields.id!,
              event: fields.event,
              data: JSON.parse(fields.data!) as { id: string },
            });
            if (events.length === count) {
              req.destroy();
              resolve(events);
            }
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

test('live feed: new detections arrive as events; a reconnect with Last-Event-ID gets what it missed', async () => {
  const { app, view } = await testApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  try {
    await view.upsert([makeDetection({ src: '10.7.0.1' })]);
    const ds = [2, 3, 4, 5].map((i) => makeDetection({ src: `10.7.0.${i}`, score: 60 + i }));
    // A new subscriber sees only what comes after it connected.
    const live = readEvents(port, 2);
    await new Promise((r) => setTimeout(r, 100));
    await view.upsert(ds.slice(0, 2));
    const first = await live;
    assert.deepEqual(
      first.map((e) => e.data.id),
      [ds[0]!.id, ds[1]!.id],
    );
    assert.ok(first.every((e) => e.event === 'detection'));
    // Missed while disconnected: delivered on resume, in order, nothing twice.
    await view.upsert(ds.slice(2));
    const resumed = await readEvents(port, 2, { 'last-event-id': first[1]!.id });
    assert.deepEqual(
      resumed.map((e) => e.data.id),
      [ds[2]!.id, ds[3]!.id],
    );
    // Filters apply to the feed.
    const filtered = await readEvents(port, 1, {}, `?lastEventId=${first[0]!.id}&minScore=65`);
    assert.deepEqual(
      filtered.map((e) => e.data.id),
      [ds[3]!.id],
    );
  } finally {
    await app.close();
  }
});
