import { healthAnswer, readinessAnswer } from '@opaqueflow/service';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';

/** /healthz, /readyz and /metrics: public, not rate limited, answered as libs/service answers them. */
export function opsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const ops = ctx.options.ops;
  const hide = { schema: { hide: true } };
  app.get('/healthz', hide, async (_request, reply) => {
    if (ops === undefined) return reply.send({ status: 'ok' });
    const a = healthAnswer(ops);
    return reply.code(a.statusCode).header('cache-control', 'no-store').send(a.body);
  });
  app.get('/readyz', hide, async (_request, reply) => {
    if (ops === undefined) return reply.send({ status: 'ready' });
    const a = await readinessAnswer(ops);
    return reply.code(a.statusCode).header('cache-control', 'no-store').send(a.body);
  });
  app.get('/metrics', hide, (request, reply) => {
    if (ops === undefined)
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no metrics here' } });
    reply.hijack();
    ops.metrics(request.raw, reply.raw);
  });
}
