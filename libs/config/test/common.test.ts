import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  DEFAULT_TOPICS,
  commonRules,
  commonSpec,
  defineConfig,
  field,
} from '../src/index.js';

const def = defineConfig(
  {
    ...commonSpec({ serviceName: 'scorer', metricsPort: 9466 }),
    batch: field.int('BATCH_SIZE', { min: 1 }).default(100),
  },
  commonRules,
);

test('common defaults match the design', () => {
  const c = def.load({ env: {} });
  assert.equal(c.serviceName, 'scorer');
  assert.equal(c.kafkaClientId, 'opaqueflow-scorer');
  assert.equal(c.metricsPort, 9466);
  assert.deepEqual(c.kafkaBrokers, [{ host: 'localhost', port: 9092 }]);
  assert.equal(c.topicFlows, DEFAULT_TOPICS.flows);
  assert.equal(c.topicFeatures, 'opaqueflow.features.v1');
  assert.equal(c.topicDetections, 'opaqueflow.detections.v1');
  assert.equal(c.topicDlq, 'opaqueflow.dlq.v1');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.batch, 100);
});

test('environment overrides are typed and validated', () => {
  const c = def.load({
    env: {
      KAFKA_BROKERS: 'k1:9092,k2:9093',
      SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
      REDIS_URL: 'rediss://:pw@redis:6380/1',
      LOG_LEVEL: 'debug',
    },
  });
  assert.equal(c.kafkaBrokers[1]?.port, 9093);
  assert.equal(c.schemaRegistryUrl, 'http://registry:8080/apis/ccompat/v7');
  const shown = def.describe(c);
  assert.equal(shown.REDIS_URL, 'rediss://:***@redis:6380/1');
  assert.equal(shown.KAFKA_BROKERS, 'k1:9092,k2:9093');
});

test('bad common values name their variable', () => {
  assert.throws(
    () => def.load({ env: { REDIS_URL: 'http://redis:6379' } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /REDIS_URL: protocol http: is not one of redis, rediss/.test(e.message),
  );
  assert.throws(
    () => def.load({ env: { KAFKA_BROKERS: 'kafka' } }),
    (e: unknown) => e instanceof ConfigError && e.issues[0]?.variables[0] === 'KAFKA_BROKERS',
  );
  assert.throws(
    () => def.load({ env: { LOG_LEVEL: 'verbose' } }),
    (e: unknown) => e instanceof ConfigError && /LOG_LEVEL/.test(e.message),
  );
});

test('one topic for two purposes is refused', () => {
  assert.throws(
    () => def.load({ env: { TOPIC_DLQ: DEFAULT_TOPICS.flows } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'CONFIG_CROSS_FIELD' &&
      e.issues[0]?.variables.includes('TOPIC_DLQ') === true,
  );
});

test('registry credentials come in pairs, and the password is redacted', () => {
  assert.throws(
    () => def.load({ env: { SCHEMA_REGISTRY_USERNAME: 'u' } }),
    (e: unknown) => e instanceof ConfigError && /both or neither/.test(e.message),
  );
  const c = def.load({
    env: { SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'pw-very-secret' },
  });
  assert.doesNotMatch(JSON.stringify(def.describe(c)), /pw-very-secret/);
});
