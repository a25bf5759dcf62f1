import { randomUUID } from 'node:crypto';
import type { ScoringException } from '@opaqueflow/scoring';
import type { FastifyInstance } from 'fastify';
import type { TriageStatus } from '../../view/types.js';
import { TRIAGE_STATUSES } from '../../view/types.js';
import type { AppContext } from '../app.js';
import { ERROR_SCHEMA, badRequest, notFound } from '../errors.js';
import { render } from '../render.js';
import { EXCEPTION_INPUT_SCHEMA, type ExceptionInput, exceptionOf } from './exceptions.js';

interface TriageBody {
  readonly status: TriageStatus;
  readonly comment?: string;
  /** With status false_positive: also create an exception (scope defaults to this channel). */
  readonly exception?: Partial<ExceptionInput> & { readonly reason?: string };
}

const ERRORS = {
  400: ERROR_SCHEMA,
  401: ERROR_SCHEMA,
  403: ERROR_SCHEMA,
  404: ERROR_SCHEMA,
  429: ERROR_SCHEMA,
};

export function triageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { view, exceptions } = ctx.options;
  const schema = {
    summary: "Set a detection's triage status, with a comment",
    description:
      'Audited. With status false_positive, an `exception` object also creates an exception (default scope: this source, destination, port and transport), which the scorers apply to the next matching flows.',
    tags: ['triage'],
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
    },
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['status'],
      properties: {
        status: { type: 'string', enum: [...TRIAGE_STATUSES] },
        comment: { type: 'string', minLength: 1, maxLength: 2000 },
        exception: {
          type: 'object',
          additionalProperties: false,
          properties: { ...EXCEPTION_INPUT_SCHEMA.properties },
        },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          data: { type: 'object', additionalProperties: true },
          exception: { type: ['object', 'null'], additionalProperties: true },
        },
      },
      ...ERRORS,
    },
  };
  const handler = async (request: {
    params: { id: string };
    body: TriageBody;
    principal: { name: string } | null;
  }) => {
    const { id } = request.params;
    const body = request.body;
    const actor = request.principal?.name ?? 'unknown';
    if (body.exception !== undefined && body.status !== 'false_positive')
      throw badRequest(
        'body.exception',
        'an exception can only be created with status false_positive',
      );
    const current = await view.get(id);
    if (current === null) throw notFound(`detection ${id}`);
    let created: ScoringException | null = null;
    if (body.exception !== undefined) {
      const d = current.detection;
      const single = (addr: string) => `${addr}/${addr.includes(':') ? 128 : 32}`;
      const input: ExceptionInput = {
        reason: body.exception.reason ?? body.comment ?? `false positive ${d.id}`,
        scope: body.exception.scope ?? {
          srcCidrs: [single(d.srcAddr)],
          dstCidrs: [single(d.dstAddr)],
          ports: [d.dstPort],
          transport: d.transport,
        },
        ...(body.exception.author === undefined ? {} : { author: body.exception.author }),
        ...(body.exception.expiresAt === undefined ? {} : { expiresAt: body.exception.expiresAt }),
      };
      created = await exceptions.put(
        exceptionOf(input, actor, `exc-${randomUUID()}`, ctx.clock()),
        actor,
      );
    }
    const comment = body.comment ?? (created === null ? null : `exception ${created.id} created`);
    const item = await view.setTriage(id, {
      status: body.status,
      actor,
      comment,
      atMs: ctx.clock(),
    });
    if (item === null) throw notFound(`detection ${id}`);
    return { data: render(item, 'json'), exception: created };
  };
  const config = { config: { scope: 'admin' as const }, schema };
  app.patch<{ Params: { id: string }; Body: TriageBody }>(
    '/v1/detections/:id/triage',
    config,
    (r) => handler(r),
  );
  app.post<{ Params: { id: string }; Body: TriageBody }>(
    '/v1/detections/:id/triage',
    { ...config, schema: { ...schema, summary: 'Same as PATCH' } },
    (r) => handler(r),
  );

  app.get<{ Querystring: { detectionId?: string; limit?: number } }>(
    '/v1/audit/triage',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Triage changes, newest first',
        tags: ['triage'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            detectionId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { ...ERRORS },
      },
    },
    async (request) => {
      const entries = await view.triageAudit(request.query.limit ?? 100, request.query.detectionId);
      return { data: entries.map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })) };
    },
  );
}
