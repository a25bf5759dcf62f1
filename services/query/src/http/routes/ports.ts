import type { Transport } from '@opaqueflow/flow-model';
import type { FastifyInstance } from 'fastify';
import { coverageShares } from '../../coverage.js';
import type { AppContext } from '../app.js';
import { ERROR_SCHEMA, HttpError, notFound } from '../errors.js';

const ERRORS = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 429: ERROR_SCHEMA };
const unavailable = (what: string) =>
  new HttpError(501, 'NOT_CONFIGURED', `${what} are not available in this deployment`);

export function portRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { baselines, coverage } = ctx.options;
  app.get<{ Querystring: { transport?: Transport; limit?: number; offset?: number } }>(
    '/v1/ports',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Ports the scorer keeps baselines for, with their current baseline',
        tags: ['baselines'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            transport: { type: 'string', enum: ['tcp', 'udp', 'other'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { ...ERRORS },
      },
    },
    async (request) => {
      if (baselines === undefined) throw unavailable('baselines');
      const { transport, limit = 100, offset = 0 } = request.query;
      const refs = (await baselines.ports()).filter(
        (r) => transport === undefined || r.transport === transport,
      );
      const page = refs.slice(offset, offset + limit);
      return { data: await baselines.baselines(page), total: refs.length };
    },
  );
  app.get<{ Params: { port: number }; Querystring: { transport?: Transport; scope?: string } }>(
    '/v1/ports/:port/baseline',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          "One port's sliding baseline (flows, opaque share, distinct peers, entropy; learning or not)",
        tags: ['baselines'],
        params: {
          type: 'object',
          required: ['port'],
          properties: { port: { type: 'integer', minimum: 0, maximum: 65535 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            transport: { type: 'string', enum: ['tcp', 'udp', 'other'], default: 'tcp' },
            scope: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
        response: { 404: ERROR_SCHEMA, ...ERRORS },
      },
    },
    async (request) => {
      if (baselines === undefined) throw unavailable('baselines');
      const ref = {
        port: request.params.port,
        transport: request.query.transport ?? 'tcp',
        scope: request.query.scope ?? null,
      };
      const [b] = await baselines.baselines([ref]);
      if (b === undefined || b.firstSeenMs === null)
        throw notFound(
          `baseline for ${ref.port}/${ref.transport}${ref.scope === null ? '' : `/${ref.scope}`}`,
        );
      return { data: b };
    },
  );
  app.get(
    '/v1/coverage',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Per exporter or capture: can the telemetry see this at all?',
        description:
          'Share of flows that carried payload evidence, whose start was seen (a handshake could be visible), where a handshake was recognised, that were judged insufficient; the sampling rates seen.',
        tags: ['coverage'],
        response: { ...ERRORS },
      },
    },
    async () => {
      if (coverage === undefined) throw unavailable('coverage counts');
      const rows = await coverage.exporters();
      return { data: rows.sort((a, b) => b.flows - a.flows).map(coverageShares) };
    },
  );
}
