export {
  startKafka,
  prepareKafka,
  KAFKA_VERSION,
  type KafkaHandle,
  type KafkaOptions,
} from './kafka.js';
export {
  startRegistry,
  prepareRegistry,
  APICURIO_VERSION,
  CCOMPAT_PATH,
  type RegistryHandle,
  type RegistryOptions,
} from './registry.js';
export { startRedis, redisPing, type RedisHandle } from './redis.js';
export { startServers, describeServer, externalServer, type RunningServers } from './servers.js';
export {
  parseOverrides,
  parseOnly,
  SERVER_ENV,
  SERVER_NAMES,
  InfraConfigError,
  type ServerName,
  type ServerOverrides,
} from './env.js';
export { ServerStartError } from './process.js';
export { cacheRoot } from './cache.js';
export type { ServerHandle, StartOptions } from './types.js';
