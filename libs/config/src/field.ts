import { formatDurationMs } from './duration.js';
import type { Cidr, HostPort, ParseOutcome, Parser } from './parsers.js';
import {
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

/**
 * One setting: the environment variable it is read from, how its text becomes a typed value,
 * and what happens when it is absent. Immutable: every modifier returns a new field.
 */
/** What defineConfig needs of a field, whatever its value type (methods keep it bivariant). */
export interface AnyField {
  readonly variable: string;
  readonly kind: string;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly isOptional: boolean;
  readonly isSecret: boolean;
  readonly description: string;
  readonly required: boolean;
  parse(raw: string): ParseOutcome<unknown>;
  render(value: unknown): string;
}

export class Field<T> {
  readonly variable: string;
  readonly kind: string;
  private readonly parser: Parser<T>;
  private readonly renderValue: (value: T) => string;
  readonly hasDefault: boolean;
  readonly defaultValue: T | undefined;
  readonly isOptional: boolean;
  readonly isSecret: boolean;
  readonly description: string;

  constructor(init: {
    variable: string;
    kind: string;
    parse: Parser<T>;
    renderValue: (value: T) => string;
    hasDefault?: boolean;
    defaultValue?: T | undefined;
    isOptional?: boolean;
    isSecret?: boolean;
    description?: string;
  }) {
    this.variable = init.variable;
    this.kind = init.kind;
    this.parser = init.parse;
    this.renderValue = init.renderValue;
    this.hasDefault = init.hasDefault ?? false;
    this.defaultValue = init.defaultValue;
    this.isOptional = init.isOptional ?? false;
    this.isSecret = init.isSecret ?? false;
    this.description = init.description ?? '';
    Object.freeze(this);
  }

  parse(raw: string): ParseOutcome<T> {
    return this.parser(raw);
  }

  /** Printable form (a method, so a Field<string> is usable where a Field<unknown> is expected). */
  render(value: T): string {
    return this.renderValue(value);
  }

  /** Used when the variable is unset or empty. */
  default(value: T): Field<T> {
    return new Field<T>({ ...this.init(), hasDefault: true, defaultValue: value });
  }

  /** Absent is allowed and reads as undefined. */
  optional(): Field<T | undefined> {
    return new Field<T | undefined>({
      ...this.init(),
      renderValue: (v) => (v === undefined ? '(unset)' : this.renderValue(v)),
      isOptional: true,
    });
  }

  /** Redacted whenever the configuration is printed or logged. */
  secret(): Field<T> {
    return new Field<T>({ ...this.init(), isSecret: true });
  }

  describe(text: string): Field<T> {
    return new Field<T>({ ...this.init(), description: text });
  }

  private init() {
    return {
      variable: this.variable,
      kind: this.kind,
      parse: this.parser,
      renderValue: this.renderValue,
      hasDefault: this.hasDefault,
      defaultValue: this.defaultValue,
      isOptional: this.isOptional,
      isSecret: this.isSecret,
      description: this.description,
    };
  }

  /** Whether start-up fails when the variable is absent. */
  get required(): boolean {
    return !this.hasDefault && !this.isOptional;
  }
}

/** Field builders; each takes the environment variable name first. */
export const field = Object.freeze({
  string: (variable: string, opts: { minLength?: number; pattern?: RegExp } = {}) =>
    new Field<string>({
      variable,
      kind: 'string',
      parse: parseString(opts),
      renderValue: (v) => v,
    }),
  int: (variable: string, opts: { min?: number; max?: number } = {}) =>
    new Field<number>({ variable, kind: 'int', parse: parseInteger(opts), renderValue: String }),
  port: (variable: string) =>
    new Field<number>({ variable, kind: 'port', parse: parsePort, renderValue: String }),
  url: (variable: string, opts: { protocols?: readonly string[] } = {}) =>
    new Field<string>({ variable, kind: 'url', parse: parseUrl(opts), renderValue: redactUrlText }),
  oneOf: <const C extends string>(variable: string, choices: readonly C[]) =>
    new Field<C>({
      variable,
      kind: `one of ${choices.join('|')}`,
      parse: parseOneOf(choices),
      renderValue: (v) => v,
    }),
  bool: (variable: string) =>
    new Field<boolean>({ variable, kind: 'bool', parse: parseBoolean, renderValue: String }),
  duration: (variable: string, opts: { minMs?: number; maxMs?: number } = {}) =>
    new Field<number>({
      variable,
      kind: 'duration',
      parse: parseDuration(opts),
      renderValue: formatDurationMs,
    }),
  list: <T>(
    variable: string,
    item: Parser<T>,
    opts: { minItems?: number; render?: (v: T) => string } = {},
  ) =>
    new Field<T[]>({
      variable,
      kind: 'list',
      parse: parseList(item, opts),
      renderValue: (vs) => vs.map(opts.render ?? ((v) => String(v))).join(','),
    }),
  cidrList: (variable: string, opts: { minItems?: number } = {}) =>
    new Field<Cidr[]>({
      variable,
      kind: 'CIDR list',
      parse: parseList(parseCidr, opts),
      renderValue: (vs) => vs.map((c) => c.text).join(','),
    }),
  hostPortList: (variable: string, opts: { minItems?: number } = {}) =>
    new Field<HostPort[]>({
      variable,
      kind: 'host:port list',
      parse: parseList(parseHostPort, opts),
      renderValue: (vs) => vs.map((h) => `${h.host}:${h.port}`).join(','),
    }),
  topic: (variable: string) =>
    new Field<string>({
      variable,
      kind: 'Kafka topic',
      parse: parseTopicName,
      renderValue: (v) => v,
    }),
});
