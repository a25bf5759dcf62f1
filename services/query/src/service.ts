import { readFileSync } from 'node:fs';
import {
  DETECTION,
  FLOW_FEATURES,
  runRecordBatchConsumer,
  DlqPublisher,
  Registry,
  TopicCodec,
  createKafkaClient,
} from '@opaqueflow/kafka';
import { compileScorerConfig } from '@opaqueflow/scoring';
import { RedisExceptionStore, RedisScorerStore, connectRedis } from '@opaqueflow/scoring-redis';
import { runService, type ServiceOptions, type ServiceRuntime } from '@opaqueflow/service';
import type { FastifyInstance } from 'fastify';
import { StoreBaselineReader } from './baselines.js';
import { queryConfig, type QueryConfig } from './config.js';
import { RedisCoverage } from './coverage-redis.js';
import { RedisExceptionAdmin } from './exceptions.js';
import { buildApp } from './http/app.js';
import { ApiKeys } from './http/auth.js';
import { redisPortKeys } from './redis-ports.js';
import { runViewConsumer } from './view/consume.js';
import { RedisDetectionView } from './view/redis-view.js';

/** How often the view drops detections past their retention. */
const PRUNE_EVERY_MS = 60_000;

export interface QueryServiceHandles {
  /** Set once the API listens: its address, e.g. http://0.0.0.0:8080 */
  url: string | null;
  app: FastifyInstance | null;
}

/**
 * The distributed query service: consumes the detections topic into the Redis view and
 * serves the REST API over it, with the ops endpoints and lifecycle of libs/service.
 */
export async function startQueryService(
  options: Omit<ServiceOptions<typeof queryConfig.spec>, 'definition' | 'start'> = {},
): Promise<{ runtime: ServiceRuntime<QueryConfig>; handles: QueryServiceHandles }> {
  const handles: QueryServiceHandles = { url: null, app: null };
  const runtime = await runService({
    ...options,
    definition: queryConfig,
    start: (rt) => wire(rt, handles),
  });
  return { runtime, handles };
}

async function wire(rt: ServiceRuntime<QueryConfig>, handles: QueryServiceHandles): Promise<void> {
  const { config, logger, lifecycle, readiness } = rt;
  const redis = await connectRedis(config.redisUrl);
  lifecycle.onDraining('redis', () => {
    redis.disconnect();
  });
  const view = new RedisDetectionView({
    client: redis,
    keyPrefix: config.keyPrefix,
    retentionMs: config.retentionMs,
  });
  readiness.add('redis', () => view.ping());

  const kafka = createKafkaClient({
    clientId: config.kafkaClientId,
    brokers: config.kafkaBrokers.map((b) => `${b.host}:${b.port}`),
    logger,
  });
  const registry = new Registry({
    url: config.schemaRegistryUrl,
    username: config.schemaRegistryUsername,
    password: config.schemaRegistryPassword,
  });
  const codec = new TopicCodec({ registry, topic: config.topicDetections, binding: DETECTION });
  const producer = kafka.producer();
  await producer.connect();
  lifecycle.onDraining('dlq producer', () => producer.disconnect());
  const consumer = kafka.consumer({ groupId: config.groupId, maxWaitMs: 500 });
  await consumer.connect();
  consumer.onCrash((err) => {
    logger.fatal({ err }, 'detections consumer gave up');
    void rt.stop('consumer crashed');
  });
  readiness.add('kafka', () => consumer.isConnected());
  lifecycle.onStopping('detections consumer', () => consumer.stop());
  lifecycle.onDraining('kafka consumer', () => consumer.disconnect());
  await runViewConsumer({
    consumer,
    codec,
    dlq: new DlqPublisher({ producer, topic: config.topicDlq }),
    view,
    logger: logger.child({ component: 'view' }),
    meter: rt.telemetry.meter,
  });

  let coverage: RedisCoverage | undefined;
  if (config.coverage) {
    const counts = new RedisCoverage(redis, config.keyPrefix);
    const features = kafka.consumer({ groupId: `${config.groupId}-coverage`, maxWaitMs: 500 });
    await features.connect();
    features.onCrash((err) => {
      logger.fatal({ err }, 'features consumer (coverage) gave up');
      void rt.stop('coverage consumer crashed');
    });
    readiness.add('kafka-coverage', () => features.isConnected());
    lifecycle.onStopping('coverage consumer', () => features.stop());
    lifecycle.onDraining('kafka coverage consumer', () => features.disconnect());
    await runRecordBatchConsumer({
      consumer: features,
      codec: new TopicCodec({ registry, topic: config.topicFeatures, binding: FLOW_FEATURES }),
      dlq: new DlqPublisher({ producer, topic: config.topicDlq }),
      stage: 'query-coverage',
      fromBeginning: true,
      meter: rt.telemetry.meter,
      onBatchError: (err, batch) =>
        logger.error({ err, ...batch }, 'coverage batch failed; it will be delivered again'),
      handleBatch: (records, batch) =>
        counts.apply(
          batch.topic,
          batch.partition,
          records.map((r) => ({ features: r.value, offset: r.offset })),
        ),
    });
    coverage = counts;
  }

  const prune = setInterval(() => {
    view.prune(Date.now()).then(
      (n) => {
        if (n > 0) logger.info({ dropped: n }, 'detections past retention dropped');
      },
      (err: unknown) => logger.warn({ err }, 'view prune failed; next try in a minute'),
    );
  }, PRUNE_EVERY_MS);
  prune.unref();
  lifecycle.onStopping('prune timer', () => clearInterval(prune));

  const scoring = compileScorerConfig();
  const app = await buildApp({
    view,
    exceptions: new RedisExceptionAdmin(
      new RedisExceptionStore({ client: redis, keyPrefix: config.keyPrefix }),
    ),
    baselines: new StoreBaselineReader(
      new RedisScorerStore({ client: redis, keyPrefix: config.keyPrefix }),
      scoring,
      () => redisPortKeys(redis, config.keyPrefix),
    ),
    ...(coverage === undefined ? {} : { coverage }),
    apiKeys: new ApiKeys(config.apiKeys),
    rateLimit: { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs },
    rateLimitRedis: redis,
    rateLimitPrefix: `${config.keyPrefix}ratelimit:`,
    corsOrigins: config.corsOrigins,
    bodyLimitBytes: config.bodyLimitBytes,
    ...(config.tlsCertFile === undefined || config.tlsKeyFile === undefined
      ? {}
      : { tls: { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } }),
    logger: logger.child({ component: 'http' }),
    ops: rt.opsSources,
    meter: rt.telemetry.meter,
  });
  handles.url = await app.listen({ host: config.httpHost, port: config.httpPort });
  handles.app = app;
  lifecycle.onStopping('http', () => app.close());
  logger.info({ url: handles.url }, 'query API listening');
}
