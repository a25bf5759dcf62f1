export { ConfigError } from './errors.js';
export type { ConfigErrorCode, ConfigIssue } from './errors.js';
export { Field, field } from './field.js';
export type { AnyField } from './field.js';
export {
  parseBoolean,
  parseCidr,
  parseDuration,
  parseHostPort,
  parseInteger,
  parseList,
  parseOneOf,
  parsePort,
  parseString,
  parseTopicName,
  parseUrl,
  redactUrlText,
} from './parsers.js';
export type { Cidr, HostPort, ParseOutcome, Parser } from './parsers.js';
export { CONFIG_FILE_VARIABLE, REDACTED, defineConfig } from './define.js';
export type {
  ConfigDefinition,
  ConfigOf,
  ConfigSpec,
  CrossFieldRule,
  LoadOptions,
  VariableHelp,
} from './define.js';
export { formatDurationMs, parseDurationMs } from './duration.js';
export { DEFAULT_TOPICS, LOG_LEVELS, commonRules, commonSpec } from './common.js';
export type { CommonConfig, CommonDefaults, LogLevel } from './common.js';
