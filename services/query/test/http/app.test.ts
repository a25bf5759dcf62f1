/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- response bodies are JSON read field by field by the assertions */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, READ_KEY, auth, testApp } from './helpers.js';
import { T0, makeDetection } from '../fixtures.js';
import type { FastifyInstance } from 'fastify';

const apps: FastifyInstance[] = [];
after(async () => {
  for (const a of apps) await a.close();
});
async function make(...args: Parameters<typeof testApp>) {
  const t = await testApp(...args);
  apps.push(t.app);
  return t;
}

const detections = [
  makeDetection({
    src: '10.0.0.5',
    dst: '198.51.100.7',
    dstPort: 4444,
    firstSeenMs: T0,
    score: 70,
  }),
  makeDetection({
    src: '10.0.1.9',
    dst: '203.0.113.4',
    dstPort: 8388,
    firstSeenMs: T0 + 60_000,
    score: 50,
  }),
  makeDetection({
    src: '2001:db8::5',
    dst: '2001:db8:ff::1',
    dstPort: 51821,
    transport: 'udp',
    firstSeenMs: T0 + 120_000,
    score: 85,
  }),
  makeDetection({
    src: '192.168.7.2',
    dst: '198.51.100.8',
    dstPort: 4444,
    firstSeenMs: T0 + 180_000,
    score: 30,
    severity: 'low',
    verdict: 'insufficient',
  }),
];

test('auth: no key 401, unknown key 401, read key on an admin route 403, all with JSON bodies', async () => {
  const { app, view } = await make();
  await view.upsert(detections);
  const none = await app.inject({ url: '/v1/detections' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().error.code, 'UNAUTHENTICATED');
  assert.match(none.headers['www-authenticate'] as string, /Bearer/);
  const bad = await app.inject({ url: '/v1/detections', headers: auth('nope') });
  assert.equal(bad.statusCode, 401);
  assert.match(bad.json().error.message, /not valid/);
  const forbidden = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(READ_KEY),
    payload: { reason: 'backup', scope: { ports: [4444] } },
  });
  assert.equal(forbidden.statusCode, 403);
  assert.deepEqual(forbidden.json(), {
    error: { code: 'FORBIDDEN', message: 'this API key lacks the admin scope' },
  });
  const ok = await app.inject({ url: '/v1/detections', headers: { 'x-api-key': READ_KEY } });
  assert.equal(ok.statusCode, 200);
  const adminReads = await app.inject({ url: '/v1/detections', headers: auth(ADMIN_KEY) });
  assert.equal(adminReads.statusCode, 200);
});

test('detections: filters through the query string, cursor paging, body shape', async () => {
  const { app, view } = await make();
  await view.upsert(detections);
  const get = async (qs: string) => {
    const r = await app.inject({ url: `/v1/detections?${qs}`, headers: auth(READ_KEY) });
    assert.equal(r.statusCode, 200, r.body);
    return r.json<{ data: { id: string; srcAddr: string }[]; nextCursor: string | null }>();
  };
  const ids = (b: { data: { id: string }[] }) => b.data.map((d) => d.id).sort();
  const idsOf = (...i: number[]) => i.map((n) => detections[n]!.id).sort();
  assert.deepEqual(ids(await get('')), idsOf(0, 1, 2, 3));
  assert.deepEqual(
    ids(await get('from=2026-12-01T09:01:00Z&to=2026-12-01T10:02:30%2B01:00')),
    idsOf(1, 2),
  );
  assert.deepEqual(ids(await get('src=10.0.0.0/16')), idsOf(0, 1));
  assert.deepEqual(ids(await get('src=2001:db8::/32')), idsOf(2));
  assert.deepEqual(ids(await get('dst=198.51.100.8')), idsOf(3));
  assert.deepEqual(ids(await get('dstPort=4444&minScore=50')), idsOf(0));
  assert.deepEqual(ids(await get('transport=udp')), idsOf(2));
  assert.deepEqual(ids(await get('severity=low,critical')), idsOf(2, 3));
  assert.deepEqual(ids(await get('verdict=insufficient')), idsOf(3));
  assert.deepEqual(ids(await get('status=new')), idsOf(0, 1, 2, 3));
  assert.deepEqual(ids(await get('status=resolved')), []);
  // Newest first by default; two pages of two, then the end.
  const p1 = await get('limit=2');
  assert.deepEqual(
    p1.data.map((d) => d.id),
    [detections[3]!.id, detections[2]!.id],
  );
  assert.ok(p1.nextCursor);
  const p2 = await get(`limit=2&cursor=${p1.nextCursor}`);
  assert.deepEqual(
    p2.data.map((d) => d.id),
    [detections[1]!.id, detections[0]!.id],
  );
  assert.equal(p2.nextCursor, null);
  const byScore = await get('sort=score&order=desc&limit=10');
  assert.deepEqual(
    byScore.data.map((d) => d.id),
    [2, 0, 1, 3].map((i) => detections[i]!.id),
  );
  const one = await app.inject({
    url: `/v1/detections/${detections[0]!.id}`,
    headers: auth(READ_KEY),
  });
  assert.equal(one.json().data.firstSeen, '2026-12-01T09:00:00.000Z');
  assert.equal(one.json().data.triage.status, 'new');
  const missing = await app.inject({ url: '/v1/detections/abc123', headers: auth(READ_KEY) });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'NOT_FOUND');
});

test('malformed requests: 400 naming the field, no stack traces', async () => {
  const { app } = await make();
  const cases: [string, string][] = [
    ['dstPort=abc', 'dstPort'],
    ['dstPort=70000', 'dstPort'],
    ['minScore=-1', 'minScore'],
    ['from=yesterday', 'from'],
    ['from=2026-12-01T09:00:00', 'from'],
    ['src=10.0.0.300', 'src'],
    ['dst=10.0.0.0/33', 'dst'],
    ['severity=urgent', 'severity'],
    ['status=open', 'status'],
    ['transport=sctp', 'transport'],
    ['limit=0', 'limit'],
    ['bogus=1', 'bogus'],
    ['cursor=not-a-cursor', 'cursor'],
    ['from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', 'to'],
  ];
  for (const [qs, field] of cases) {
    const r = await app.inject({ url: `/v1/detections?${qs}`, headers: auth(READ_KEY) });
    assert.equal(r.statusCode, 400, qs);
    const body = r.json();
    assert.equal(body.error.field, field, `${qs}: ${r.body}`);
    assert.equal(body.error.code, 'BAD_REQUEST');
    assert.doesNotMatch(r.body, /at .*\.(ts|js):\d+/);
  }
  const badBody = await app.inject({
    method: 'PATCH',
    url: '/v1/detections/abc/triage',
    headers: auth(ADMIN_KEY),
    payload: { status: 'closed' },
  });
  assert.equal(badBody.statusCode, 400);
  assert.equal(badBody.json().error.field, 'body.status');
  const notJson = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: { ...auth(ADMIN_KEY), 'content-type': 'application/json' },
    payload: '{"reason":',
  });
  assert.equal(notJson.statusCode, 400);
  assert.ok(notJson.json().error.message);
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(ADMIN_KEY),
    payload: { reason: 'x'.repeat(100_000), scope: { ports: [1] } },
  });
  assert.equal(huge.statusCode, 413);
  assert.ok(huge.json().error.code);
});

test('a cursor is bound to its query', async () => {
  const { app, view } = await make();
  await view.upsert(detections);
  const p1 = (
    await app.inject({ url: '/v1/detections?limit=1&dstPort=4444', headers: auth(READ_KEY) })
  ).json();
  const other = await app.inject({
    url: `/v1/detections?limit=1&dstPort=8388&cursor=${p1.nextCursor}`,
    headers: auth(READ_KEY),
  });
  assert.equal(other.statusCode, 400);
  assert.equal(other.json().error.field, 'cursor');
  const same = await app.inject({
    url: `/v1/detections?limit=1&dstPort=4444&cursor=${p1.nextCursor}`,
    headers: auth(READ_KEY),
  });
  assert.equal(same.statusCode, 200);
});

test('renderings: OCSF Detection Finding, ECS alert, NDJSON by format= or Accept', async () => {
  const { app, view } = await make();
  await view.upsert(detections);
  const ocsf = (
    await app.inject({ url: '/v1/detections?format=ocsf&dstPort=51821', headers: auth(READ_KEY) })
  ).json();
  const f = ocsf.data[0];
  assert.equal(f.class_uid, 2004);
  assert.equal(f.category_uid, 2);
  assert.equal(f.type_uid, 200401);
  assert.equal(f.severity_id, 5);
  assert.deepEqual(
    f.finding_info.attacks.map((a: { technique: { uid: string } }) => a.technique.uid),
    ['T1573', 'T1571'],
  );
  assert.equal(f.finding_info.analytic.uid, 'AN0404');
  assert.equal(f.evidences[0].dst_endpoint.port, 51821);
  assert.equal(f.evidences[0].connection_info.protocol_num, 17);
  const ecs = (
    await app.inject({ url: '/v1/detections?format=ecs&dstPort=51821', headers: auth(READ_KEY) })
  ).json();
  const e = ecs.data[0];
  assert.equal(e.event.kind, 'alert');
  assert.deepEqual(e.threat.technique.id, ['T1573', 'T1571']);
  assert.equal(e.source.ip, '2001:db8::5');
  assert.equal(e.destination.port, 51821);
  assert.equal(e.network.transport, 'udp');
  const nd = await app.inject({
    url: '/v1/detections?limit=1',
    headers: { ...auth(READ_KEY), accept: 'application/x-ndjson' },
  });
  assert.match(nd.headers['content-type'] as string, /application\/x-ndjson/);
  const lines = nd.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string });
  // An export streams every match, not one page.
  assert.deepEqual(lines.map((l) => l.id).sort(), detections.map((d) => d.id).sort());
  const byFormat = await app.inject({
    url: '/v1/detections?format=ndjson&dstPort=4444',
    headers: auth(READ_KEY),
  });
  assert.equal(byFormat.body.trim().split('\n').length, 2);
});

test('rate limit: 429 with Retry-After once a key spends its budget', async () => {
  const { app } = await make({ rateLimit: { max: 3, windowMs: 60_000 } });
  const codes: number[] = [];
  const responses = [];
  for (let i = 0; i < 4; i++) {
    const r = await app.inject({ url: '/v1/detections', headers: auth(READ_KEY) });
    responses.push(r);
    codes.push(r.statusCode);
  }
  const last = responses[3]!;
  assert.deepEqual(codes, [200, 200, 200, 429]);
  assert.ok(Number(last.headers['retry-after']) > 0);
  assert.equal(last.json().error.code, 'RATE_LIMITED');
  // Another key has its own budget.
  assert.equal(
    (await app.inject({ url: '/v1/detections', headers: auth(ADMIN_KEY) })).statusCode,
    200,
  );
});

test('security headers on, CORS off unless configured', async () => {
  const { app } = await make();
  const r = await app.inject({
    url: '/v1/detections',
    headers: { ...auth(READ_KEY), origin: 'https://evil.example' },
  });
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.ok(r.headers['content-security-policy']);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  const withCors = await make({ corsOrigins: ['https://soc.example'] });
  const c = await withCors.app.inject({
    url: '/v1/detections',
    headers: { ...auth(READ_KEY), origin: 'https://soc.example' },
  });
  assert.equal(c.headers['access-control-allow-origin'], 'https://soc.example');
});

test('triage over REST, false positive creating an exception in the same call, audited', async () => {
  const { app, view, exceptions } = await make();
  await view.upsert(detections);
  const id = detections[0]!.id;
  const ack = await app.inject({
    method: 'PATCH',
    url: `/v1/detections/${id}/triage`,
    headers: auth(ADMIN_KEY),
    payload: { status: 'acknowledged', comment: 'looking into it' },
  });
  assert.equal(ack.statusCode, 200, ack.body);
  assert.equal(ack.json().data.triage.status, 'acknowledged');
  const fp = await app.inject({
    method: 'POST',
    url: `/v1/detections/${id}/triage`,
    headers: auth(ADMIN_KEY),
    payload: {
      status: 'false_positive',
      comment: 'nightly backup',
      exception: { expiresAt: '2027-01-01T00:00:00Z' },
    },
  });
  assert.equal(fp.statusCode, 200, fp.body);
  const exc = fp.json().exception;
  assert.deepEqual(exc.srcCidrs, ['10.0.0.5/32']);
  assert.deepEqual(exc.ports, [4444]);
  assert.equal(exc.author, 'ana');
  assert.equal(exc.reason, 'nightly backup');
  // The scorer's own store holds it: the embedded scorer applies it on its next refresh.
  assert.deepEqual(
    exceptions.store.list().map((e) => e.id),
    [exc.id],
  );
  const audit = (
    await app.inject({ url: `/v1/audit/triage?detectionId=${id}`, headers: auth(READ_KEY) })
  ).json();
  assert.deepEqual(
    audit.data.map((a: { to: string; actor: string }) => [a.to, a.actor]),
    [
      ['false_positive', 'ana'],
      ['acknowledged', 'ana'],
    ],
  );
  const listed = (
    await app.inject({ url: '/v1/detections?status=false_positive', headers: auth(READ_KEY) })
  ).json();
  assert.deepEqual(
    listed.data.map((d: { id: string }) => d.id),
    [id],
  );
  const wrong = await app.inject({
    method: 'PATCH',
    url: `/v1/detections/${id}/triage`,
    headers: auth(ADMIN_KEY),
    payload: { status: 'resolved', exception: {} },
  });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().error.field, 'body.exception');
  const unknown = await app.inject({
    method: 'PATCH',
    url: '/v1/detections/ffff/triage',
    headers: auth(ADMIN_KEY),
    payload: { status: 'resolved' },
  });
  assert.equal(unknown.statusCode, 404);
});

test('exceptions: create, list, delete, audited; scope must narrow', async () => {
  const { app } = await make();
  const created = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(ADMIN_KEY),
    payload: {
      reason: 'corporate VPN',
      author: 'netops',
      scope: { dstCidrs: ['203.0.113.0/24'], ports: [8388], transport: 'tcp' },
      expiresAt: null,
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const e = created.json().data;
  assert.equal(e.author, 'netops');
  assert.equal(e.active, true);
  const list = (await app.inject({ url: '/v1/exceptions', headers: auth(READ_KEY) })).json();
  assert.deepEqual(
    list.data.map((x: { id: string }) => x.id),
    [e.id],
  );
  const empty = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(ADMIN_KEY),
    payload: { reason: 'all', scope: {} },
  });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.field, 'body.scope');
  const badCidr = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(ADMIN_KEY),
    payload: { reason: 'x', scope: { srcCidrs: ['10.0.0.0/99'] } },
  });
  assert.equal(badCidr.statusCode, 400);
  assert.equal(badCidr.json().error.field, 'body.scope.srcCidrs[0]');
  const past = await app.inject({
    method: 'POST',
    url: '/v1/exceptions',
    headers: auth(ADMIN_KEY),
    payload: { reason: 'x', scope: { ports: [1] }, expiresAt: '2020-01-01T00:00:00Z' },
  });
  assert.equal(past.json().error.field, 'body.expiresAt');
  const del = await app.inject({
    method: 'DELETE',
    url: `/v1/exceptions/${e.id}`,
    headers: auth(ADMIN_KEY),
  });
  assert.equal(del.statusCode, 204);
  assert.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/v1/exceptions/${e.id}`,
        headers: auth(ADMIN_KEY),
      })
    ).statusCode,
    404,
  );
  const audit = (await app.inject({ url: '/v1/audit/exceptions', headers: auth(READ_KEY) })).json();
  assert.deepEqual(
    audit.data.map((a: { action: string; id: string; actor: string }) => [a.action, a.actor]),
    [
      ['remove', 'ana'],
      ['put', 'ana'],
    ],
  );
});

test('OpenAPI document from the route schemas, docs page, probes', async () => {
  const { app } = await make();
  const doc = (await app.inject({ url: '/openapi.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const p of [
    '/v1/detections',
    '/v1/detections/{id}',
    '/v1/detections/{id}/triage',
    '/v1/exceptions',
    '/v1/ports',
    '/v1/ports/{port}/baseline',
    '/v1/coverage',
    '/v1/detections/stream',
  ])
    assert.ok(doc.paths[p], p);
  const params = doc.paths['/v1/detections'].get.parameters.map((p: { name: string }) => p.name);
  for (const n of [
    'from',
    'to',
    'src',
    'dst',
    'dstPort',
    'transport',
    'minScore',
    'severity',
    'status',
    'verdict',
    'sort',
    'cursor',
    'format',
  ])
    assert.ok(params.includes(n), n);
  const docs = await app.inject({ url: '/docs/' });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger/i);
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
});

test('rate limit: guessing keys is limited per address too', async () => {
  const { app } = await make({ rateLimit: { max: 2, windowMs: 60_000 } });
  const codes: number[] = [];
  for (let i = 0; i < 3; i++)
    codes.push(
      (await app.inject({ url: '/v1/detections', headers: auth(`guess-${i}`) })).statusCode,
    );
  assert.deepEqual(codes, [401, 401, 429]);
});
