export { QueryError } from './errors.js';
export type { QueryErrorCode } from './errors.js';
export type {
  Cidr,
  CursorPosition,
  DetectionFilter,
  DetectionView,
  FeedEvent,
  Page,
  PageRequest,
  SortKey,
  SortOrder,
  Triage,
  TriageAuditEntry,
  TriageChange,
  TriageComment,
  TriageStatus,
  UpsertResult,
  ViewItem,
  ViewOptions,
} from './view/types.js';
export { TRIAGE_STATUSES } from './view/types.js';
export { matchesFilter, parseCidrOrAddress } from './view/filter.js';
export { MemoryDetectionView } from './view/memory-view.js';
export { RedisDetectionView } from './view/redis-view.js';
export type { RedisViewOptions } from './view/redis-view.js';
export { runViewConsumer } from './view/consume.js';
export type { ViewConsumerOptions } from './view/consume.js';
export { MemoryExceptionAdmin, RedisExceptionAdmin } from './exceptions.js';
export type { ExceptionAdmin, ExceptionAuditRecord } from './exceptions.js';
export { buildApp } from './http/app.js';
export type { AppOptions } from './http/app.js';
export { ApiKeys, generateApiKey, hashApiKey, parseApiKeys } from './http/auth.js';
export type { ApiKeyRecord, Principal, Scope } from './http/auth.js';
export { renderEcs, renderJson, renderOcsf } from './http/render.js';
export { StoreBaselineReader, parsePortKey } from './baselines.js';
export type { BaselineReader, PortBaselineView, PortRef } from './baselines.js';
export { CoverageAccumulator, coverageShares, exporterOf } from './coverage.js';
export type { CoverageCounts, CoverageReader } from './coverage.js';
export { queryConfig } from './config.js';
export type { QueryConfig } from './config.js';
export { startQueryService } from './service.js';
export type { QueryServiceHandles } from './service.js';
export { redisPortKeys } from './redis-ports.js';
export { RedisCoverage } from './coverage-redis.js';
export { startEmbeddedApi } from './embedded-api.js';
export type { EmbeddedApi, EmbeddedApiOptions } from './embedded-api.js';
