import type { FastifyInstance } from 'fastify';
import type { BaselineReader } from './baselines.js';
import type { CoverageReader } from './coverage.js';
import type { ExceptionAdmin } from './exceptions.js';
import { buildApp } from './http/app.js';
import { ApiKeys, generateApiKey, hashApiKey } from './http/auth.js';
import type { DetectionView } from './view/types.js';

export interface EmbeddedApiOptions {
  readonly host: string;
  readonly port: number;
  readonly view: DetectionView;
  readonly exceptions: ExceptionAdmin;
  readonly baselines?: BaselineReader;
  readonly coverage?: CoverageReader;
  /** The key to accept (e.g. OPAQUEFLOW_API_KEY); absent: one is generated. */
  readonly apiKey?: string;
}

export interface EmbeddedApi {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** The admin key the API accepts: print it once for the user. */
  readonly apiKey: string;
  readonly keyGenerated: boolean;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The query API for `opaqueflow start`: the same app as the service, over the embedded
 * pipeline's memory view and stores, with one admin key (held only as its hash).
 */
export async function startEmbeddedApi(options: EmbeddedApiOptions): Promise<EmbeddedApi> {
  const presented = options.apiKey?.trim() ?? '';
  const given = presented !== '';
  const apiKey = given ? presented : generateApiKey();
  const app = await buildApp({
    view: options.view,
    exceptions: options.exceptions,
    ...(options.baselines === undefined ? {} : { baselines: options.baselines }),
    ...(options.coverage === undefined ? {} : { coverage: options.coverage }),
    apiKeys: new ApiKeys([{ name: 'local', sha256: hashApiKey(apiKey), scopes: ['admin'] }]),
  });
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, apiKey, keyGenerated: !given, app, close: () => app.close() };
}
