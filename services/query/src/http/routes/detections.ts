import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { matchesFilter } from '../../view/filter.js';
import type {
  DetectionFilter,
  PageRequest,
  SortKey,
  SortOrder,
  ViewItem,
} from '../../view/types.js';
import type { AppContext } from '../app.js';
import { decodeCursor, encodeCursor, queryDigest } from '../cursor.js';
import { ERROR_SCHEMA, notFound } from '../errors.js';
import { DETECTIONS_QUERY_SCHEMA, type DetectionsQuery, filterOf } from '../params.js';
import { render, type Rendering } from '../render.js';

const ITEM_SCHEMA = { type: 'object', additionalProperties: true } as const;
const ERRORS = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 429: ERROR_SCHEMA };

type Format = Rendering | 'ndjson';

/** format= wins; otherwise Accept picks NDJSON; JSON by default. */
function formatOf(request: FastifyRequest, q: DetectionsQuery): Format {
  if (q.format !== undefined) return q.format as Format;
  const accept = request.headers.accept ?? '';
  if (/application\/(x-)?ndjson/.test(accept)) return 'ndjson';
  return 'json';
}

function pageRequestOf(
  q: DetectionsQuery,
  filter: DetectionFilter,
): PageRequest & { digest: string } {
  const sort: SortKey = q.sort ?? 'time';
  const order: SortOrder = q.order ?? 'desc';
  const { cursor: _c, limit: _l, format: _f, ...defining } = q;
  const digest = queryDigest({ ...defining, sort, order });
  const after = q.cursor === undefined ? null : decodeCursor(q.cursor, sort, order, digest);
  return { filter, sort, order, limit: q.limit ?? 100, after, digest };
}

export function detectionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { view } = ctx.options;

  app.get<{ Querystring: DetectionsQuery }>(
    '/v1/detections',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Search detections',
        description:
          'Filters combine with AND. Ordered by first seen (sort=time) or score, ties by id; nextCursor continues the same query with no duplicates or gaps while new detections arrive. format=ndjson (or Accept: application/x-ndjson) streams every match as one JSON object per line.',
        tags: ['detections'],
        querystring: DETECTIONS_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['data', 'nextCursor'],
            properties: {
              data: { type: 'array', items: ITEM_SCHEMA },
              nextCursor: { type: ['string', 'null'] },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = filterOf(q);
      const page = pageRequestOf(q, filter);
      const format = formatOf(request, q);
      if (format === 'ndjson') return exportNdjson(reply, page, ctx);
      const result = await view.query(page);
      const body = {
        data: result.items.map((i) => render(i, format)),
        nextCursor:
          result.next === null
            ? null
            : encodeCursor(result.next, page.sort, page.order, page.digest),
      };
      // Items are open objects: JSON.stringify is faster than a schema serializer for them
      // (the response schema stays for the OpenAPI document).
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
    },
  );

  app.get<{ Querystring: Omit<DetectionsQuery, 'sort' | 'order' | 'limit' | 'cursor'> }>(
    '/v1/detections/stream',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Live feed of new and updated detections (server-sent events)',
        description:
          'Each event is `event: detection` with the rendering as data and a resumable id; reconnect with Last-Event-ID (or ?lastEventId=) to receive what was missed, as far back as the view keeps its feed. Without it the feed starts with the next change. Filters other than status apply.',
        tags: ['detections'],
        querystring: {
          ...DETECTIONS_QUERY_SCHEMA,
          properties: {
            ...DETECTIONS_QUERY_SCHEMA.properties,
            lastEventId: { type: 'string', maxLength: 64 },
            format: { type: 'string', enum: ['json', 'ocsf', 'ecs'] },
          },
        },
        response: { ...ERRORS },
      },
    },
    async (request, reply) => {
      const q = request.query as DetectionsQuery & { lastEventId?: string };
      const filter = filterOf(q);
      const format = (q.format ?? 'json') as Rendering;
      const header = request.headers['last-event-id'];
      const resumeFrom =
        typeof header === 'string' && header !== '' ? header : (q.lastEventId ?? null);
      await streamFeed(request, reply, ctx, filter, format, resumeFrom);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: Rendering } }>(
    '/v1/detections/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One detection by id',
        tags: ['detections'],
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
          required: ['id'],
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['json', 'ocsf', 'ecs'] } },
        },
        response: {
          200: { type: 'object', properties: { data: ITEM_SCHEMA } },
          404: ERROR_SCHEMA,
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const item = await view.get(request.params.id);
      if (item === null) throw notFound(`detection ${request.params.id}`);
      return { data: render(item, request.query.format ?? 'json') };
    },
  );
}

/** Every match, page by page, one JSON object per line; memory stays one page. */
async function exportNdjson(
  reply: FastifyReply,
  page: PageRequest,
  ctx: AppContext,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
  });
  let after = page.after;
  try {
    for (;;) {
      const result = await ctx.options.view.query({
        ...page,
        limit: Math.max(page.limit, 500),
        after,
      });
      const text = result.items.map((i) => JSON.stringify(render(i, 'json'))).join('\n');
      if (text !== '' && !res.write(text + '\n')) await new Promise((r) => res.once('drain', r));
      if (result.next === null || res.destroyed) break;
      after = result.next;
    }
  } catch (err) {
    // Headers are gone: the truncated body and a closed connection are all a client can be told.
    reply.log.error({ err }, 'ndjson export failed');
    res.destroy();
    return;
  }
  res.end();
}

async function streamFeed(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  filter: DetectionFilter,
  format: Rendering,
  resumeFrom: string | null,
): Promise<void> {
  const { view } = ctx.options;
  let last = resumeFrom ?? (await view.feedHead());
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': opaqueflow live feed\nretry: 2000\n\n');
  let open = true;
  let wake: (() => void) | null = null;
  const end = (): void => {
    open = false;
    wake?.();
  };
  ctx.streams.add(end);
  request.raw.once('close', end);
  const unsubscribe = view.onChange(() => wake?.());
  const { status: _ignored, ...detectionFilter } = filter;
  const pollMs = ctx.options.feedPollMs ?? 1_000;
  const heartbeatMs = ctx.options.feedHeartbeatMs ?? 15_000;
  let idleMs = 0;
  try {
    while (open) {
      const events = await view.feedAfter(last, 200);
      for (const ev of events) {
        last = ev.id;
        const item: ViewItem = {
          detection: ev.detection,
          triage: { status: 'new', updatedMs: null, updatedBy: null, comments: [] },
        };
        if (!matchesFilter(item, detectionFilter)) continue;
        const live = (await view.get(ev.detection.id)) ?? item;
        res.write(
          `id: ${ev.id}\nevent: detection\ndata: ${JSON.stringify(render({ ...live, detection: ev.detection }, format))}\n\n`,
        );
      }
      if (events.length === 200) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      idleMs = events.length === 0 ? idleMs + pollMs : 0;
      if (idleMs >= heartbeatMs) {
        res.write(': keep-alive\n\n');
        idleMs = 0;
      }
    }
  } catch (err) {
    request.log.error({ err }, 'live feed failed');
  } finally {
    unsubscribe();
    ctx.streams.delete(end);
    res.end();
  }
}
