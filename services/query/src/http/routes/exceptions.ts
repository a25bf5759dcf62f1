import { randomUUID } from 'node:crypto';
import type { ScoringException } from '@opaqueflow/scoring';
import { ScoringError, validateException } from '@opaqueflow/scoring';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { ERROR_SCHEMA, badRequest, notFound } from '../errors.js';
import { RFC3339_PATTERN, parseRfc3339 } from '../params.js';

export interface ExceptionInput {
  readonly reason: string;
  readonly author?: string;
  readonly scope: {
    readonly srcCidrs?: readonly string[];
    readonly dstCidrs?: readonly string[];
    readonly ports?: readonly number[];
    readonly transport?: 'tcp' | 'udp' | 'other';
    readonly protocols?: readonly string[];
  };
  /** RFC 3339; absent or null: until deleted. */
  readonly expiresAt?: string | null;
}

const cidrList = {
  type: 'array',
  maxItems: 100,
  items: { type: 'string', maxLength: 64 },
} as const;

export const EXCEPTION_INPUT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'scope'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 1000 },
    author: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'default: the API key name',
    },
    scope: {
      type: 'object',
      additionalProperties: false,
      description: 'what the exception covers; at least one of srcCidrs, dstCidrs or ports',
      properties: {
        srcCidrs: cidrList,
        dstCidrs: cidrList,
        ports: {
          type: 'array',
          maxItems: 100,
          items: { type: 'integer', minimum: 0, maximum: 65535 },
        },
        transport: { type: 'string', enum: ['tcp', 'udp', 'other'] },
        protocols: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 40 } },
      },
    },
    expiresAt: { type: ['string', 'null'], pattern: RFC3339_PATTERN },
  },
} as const;

/** A REST exception body as the record the scorers read (validated by libs/scoring). */
export function exceptionOf(
  input: ExceptionInput,
  actor: string,
  id: string,
  nowMs: number,
): ScoringException {
  const s = input.scope;
  if ((s.srcCidrs?.length ?? 0) + (s.dstCidrs?.length ?? 0) + (s.ports?.length ?? 0) === 0)
    throw badRequest(
      'body.scope',
      'scope must name at least a source CIDR, a destination CIDR or a port',
    );
  const expiresAtMs =
    input.expiresAt === undefined || input.expiresAt === null
      ? null
      : parseRfc3339('body.expiresAt', input.expiresAt);
  if (expiresAtMs !== null && expiresAtMs <= nowMs)
    throw badRequest('body.expiresAt', 'expiresAt must be in the future');
  try {
    return validateException({
      id,
      srcCidrs: s.srcCidrs ?? [],
      dstCidrs: s.dstCidrs ?? [],
      ports: s.ports ?? [],
      transport: s.transport ?? null,
      protocols: s.protocols ?? [],
      reason: input.reason,
      author: input.author ?? actor,
      createdAtMs: nowMs,
      expiresAtMs,
    });
  } catch (err) {
    if (err instanceof ScoringError && err.field !== null)
      throw badRequest(
        /^(srcCidrs|dstCidrs|ports|transport|protocols)/.test(err.field)
          ? `body.scope.${err.field}`
          : `body.${err.field}`,
        err.message,
      );
    throw err;
  }
}

export function renderException(e: ScoringException, nowMs: number): Record<string, unknown> {
  return {
    ...e,
    createdAt: new Date(e.createdAtMs).toISOString(),
    expiresAt: e.expiresAtMs === null ? null : new Date(e.expiresAtMs).toISOString(),
    active: e.expiresAtMs === null || e.expiresAtMs > nowMs,
  };
}

const ERRORS = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 429: ERROR_SCHEMA };

export function exceptionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { exceptions } = ctx.options;
  app.post<{ Body: ExceptionInput }>(
    '/v1/exceptions',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create an exception (an approved encrypted service)',
        description:
          'Audited; every scorer replica applies it within seconds. Matching flows still make detections, marked suppressed.',
        tags: ['exceptions'],
        body: EXCEPTION_INPUT_SCHEMA,
        response: {
          201: {
            type: 'object',
            properties: { data: { type: 'object', additionalProperties: true } },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.name ?? 'unknown';
      const e = await exceptions.put(
        exceptionOf(request.body, actor, `exc-${randomUUID()}`, ctx.clock()),
        actor,
      );
      return reply.code(201).send({ data: renderException(e, ctx.clock()) });
    },
  );
  app.get(
    '/v1/exceptions',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List exceptions (expired ones included, active false)',
        tags: ['exceptions'],
        response: { ...ERRORS },
      },
    },
    async () => {
      const now = ctx.clock();
      const list = await exceptions.list();
      return {
        data: list
          .sort((a, b) => a.createdAtMs - b.createdAtMs)
          .map((e) => renderException(e, now)),
      };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/exceptions/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Delete an exception (audited)',
        tags: ['exceptions'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 404: ERROR_SCHEMA, ...ERRORS },
      },
    },
    async (request, reply) => {
      const removed = await exceptions.remove(
        request.params.id,
        request.principal?.name ?? 'unknown',
      );
      if (!removed) throw notFound(`exception ${request.params.id}`);
      return reply.code(204).send();
    },
  );
  app.get<{ Querystring: { limit?: number } }>(
    '/v1/audit/exceptions',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Exception changes, newest first',
        tags: ['exceptions'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: { ...ERRORS },
      },
    },
    async (request) => {
      const entries = await exceptions.audit(request.query.limit ?? 100);
      return { data: entries.map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })) };
    },
  );
}
