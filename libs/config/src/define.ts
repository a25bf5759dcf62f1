import { readFileSync } from 'node:fs';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import type { AnyField, Field } from './field.js';

/** The settings of a service: a name for each field, as the code will read it. */
export type ConfigSpec = Readonly<Record<string, AnyField>>;

export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? DeepReadonly<T> : never;
};

type DeepReadonly<T> = T extends readonly (infer I)[]
  ? readonly DeepReadonly<I>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A rule spanning several settings; returns why it fails, or null when it holds. */
export interface CrossFieldRule<C> {
  readonly variables: readonly string[];
  readonly check: (config: C) => string | null;
}

export interface LoadOptions {
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A JSON file of { "VARIABLE": value } read before the environment (the environment wins).
   * When omitted, the file named by the CONFIG_FILE variable is used, if set.
   */
  readonly file?: string;
}

export interface ConfigDefinition<S extends ConfigSpec> {
  readonly spec: S;
  /** Parses and validates everything, then freezes; throws one ConfigError naming every bad variable. */
  load(options?: LoadOptions): ConfigOf<S>;
  /** { VARIABLE: printable value } with secrets redacted, for a start-up log line. */
  describe(config: ConfigOf<S>): Readonly<Record<string, string>>;
  /** Every variable with its kind, default and description, for --help and docs. */
  variables(): readonly VariableHelp[];
}

export interface VariableHelp {
  readonly variable: string;
  readonly kind: string;
  readonly required: boolean;
  readonly secret: boolean;
  readonly default: string | null;
  readonly description: string;
}

export const CONFIG_FILE_VARIABLE = 'CONFIG_FILE';
export const REDACTED = '[redacted]';

export function defineConfig<S extends ConfigSpec>(
  spec: S,
  rules: readonly CrossFieldRule<ConfigOf<S>>[] = [],
): ConfigDefinition<S> {
  const fields = Object.entries(spec);
  const byVariable = new Map<string, string>();
  for (const [key, f] of fields) {
    const other = byVariable.get(f.variable);
    if (other !== undefined)
      throw new ConfigError([
        {
          code: 'CONFIG_SPEC_INVALID',
          variables: [f.variable],
          reason: `read by both "${other}" and "${key}"`,
        },
      ]);
    byVariable.set(f.variable, key);
  }

  function load(options: LoadOptions = {}): ConfigOf<S> {
    const env = options.env ?? process.env;
    const filePath = options.file ?? nonEmpty(env[CONFIG_FILE_VARIABLE]);
    const issues: ConfigIssue[] = [];
    const fromFile = filePath === undefined ? {} : readConfigFile(filePath, byVariable, issues);
    const out: Record<string, unknown> = {};
    for (const [key, f] of fields) {
      const raw = nonEmpty(env[f.variable]) ?? fromFile[f.variable];
      if (raw === undefined) {
        if (f.hasDefault) out[key] = f.defaultValue;
        else if (f.isOptional) out[key] = undefined;
        else
          issues.push({
            code: 'CONFIG_MISSING',
            variables: [f.variable],
            reason: `required (${f.kind})${f.description ? `: ${f.description}` : ''}`,
          });
        continue;
      }
      const parsed = f.parse(raw);
      if (parsed.ok) out[key] = parsed.value;
      else
        issues.push({
          code: 'CONFIG_INVALID',
          // A secret's raw text must not reach logs through the reason.
          variables: [f.variable],
          reason: f.isSecret ? `invalid ${f.kind} (value hidden)` : parsed.reason,
        });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    const config = deepFreeze(out) as ConfigOf<S>;
    for (const rule of rules) {
      let reason: string | null;
      try {
        reason = rule.check(config);
      } catch (cause) {
        throw new ConfigError(
          [
            {
              code: 'CONFIG_CROSS_FIELD',
              variables: rule.variables,
              reason: 'a consistency rule could not be evaluated',
            },
          ],
          { cause },
        );
      }
      if (reason !== null)
        issues.push({ code: 'CONFIG_CROSS_FIELD', variables: rule.variables, reason });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return config;
  }

  function describe(config: ConfigOf<S>): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [key, f] of fields) {
      const value = (config as Record<string, unknown>)[key];
      out[f.variable] = f.isSecret
        ? value === undefined
          ? '(unset)'
          : REDACTED
        : value === undefined
          ? '(unset)'
          : f.render(value);
    }
    return Object.freeze(out);
  }

  function variables(): readonly VariableHelp[] {
    return fields.map(([, f]) => ({
      variable: f.variable,
      kind: f.kind,
      required: f.required,
      secret: f.isSecret,
      default: f.hasDefault ? (f.isSecret ? REDACTED : f.render(f.defaultValue)) : null,
      description: f.description,
    }));
  }

  return Object.freeze({ spec, load, describe, variables });
}

function nonEmpty(v: string | undefined): string | undefined {
  // Compose files and Helm charts often set VAR= to mean "not set".
  return v === undefined || v.trim() === '' ? undefined : v;
}

function readConfigFile(
  path: string,
  known: ReadonlyMap<string, string>,
  issues: ConfigIssue[],
): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      [
        {
          code: 'CONFIG_FILE_UNREADABLE',
          variables: [CONFIG_FILE_VARIABLE],
          reason: `cannot read ${path}: ${(cause as Error).message}`,
        },
      ],
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      [
        {
          code: 'CONFIG_FILE_INVALID',
          variables: [CONFIG_FILE_VARIABLE],
          reason: `${path} is not JSON: ${(cause as Error).message}`,
        },
      ],
      { cause },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      {
        code: 'CONFIG_FILE_INVALID',
        variables: [CONFIG_FILE_VARIABLE],
        reason: `${path} must hold a JSON object of { "VARIABLE": value }`,
      },
    ]);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!known.has(name)) {
      issues.push({
        code: 'CONFIG_FILE_INVALID',
        variables: [name],
        reason: `unknown setting in ${path} (a typo?)`,
      });
      continue;
    }
    const text = fileValueText(value);
    if (text === null)
      issues.push({
        code: 'CONFIG_FILE_INVALID',
        variables: [name],
        reason: `in ${path} must be a string, number, boolean or array of those`,
      });
    else out[name] = text;
  }
  return out;
}

function fileValueText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map((v) => fileValueText(v));
    return parts.every((p): p is string => p !== null && !p.includes(',')) ? parts.join(',') : null;
  }
  return null;
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
