import type { FastifyInstance } from 'fastify';
import { compileScorerConfig, MemoryScorerStore } from '@opaqueflow/scoring';
import { StoreBaselineReader } from '../../src/baselines.js';
import { CoverageAccumulator } from '../../src/coverage.js';
import { MemoryExceptionAdmin } from '../../src/exceptions.js';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { ApiKeys, hashApiKey } from '../../src/http/auth.js';
import type { DetectionView } from '../../src/view/types.js';
import { MemoryDetectionView } from '../../src/view/memory-view.js';
import { T0 } from '../fixtures.js';

export const READ_KEY = 'read-secret-0123456789';
export const ADMIN_KEY = 'admin-secret-0123456789';
export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

export interface TestApp {
  readonly app: FastifyInstance;
  readonly view: DetectionView;
  readonly exceptions: MemoryExceptionAdmin;
  readonly coverage: CoverageAccumulator;
  readonly store: MemoryScorerStore;
}

export async function testApp(
  overrides: Partial<AppOptions> = {},
  view: DetectionView = new MemoryDetectionView({ retentionMs: 365 * 86_400_000, clock: () => T0 }),
): Promise<TestApp> {
  const exceptions = new MemoryExceptionAdmin(undefined, () => T0);
  const coverage = new CoverageAccumulator();
  const store = new MemoryScorerStore(() => T0);
  const app = await buildApp({
    view,
    exceptions,
    coverage,
    baselines: new StoreBaselineReader(store, compileScorerConfig(), () =>
      Promise.resolve(store.portKeys()),
    ),
    apiKeys: new ApiKeys([
      { name: 'siem', sha256: hashApiKey(READ_KEY), scopes: ['read'] },
      { name: 'ana', sha256: hashApiKey(ADMIN_KEY), scopes: ['admin'] },
    ]),
    clock: () => T0,
    feedPollMs: 50,
    ...overrides,
  });
  return { app, view, exceptions, coverage, store };
}
