import ipaddr from 'ipaddr.js';
import { parseDurationMs } from './duration.js';

/** A parser's verdict on one raw text: a value, or the reason it was refused. */
export type ParseOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export type Parser<T> = (raw: string) => ParseOutcome<T>;

export interface Cidr {
  /** Normalised "network/prefix", e.g. "10.0.0.0/8" for "10.1.2.3/8". */
  readonly text: string;
  readonly version: 4 | 6;
  readonly network: string;
  readonly prefixLength: number;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const ok = <T>(value: T): ParseOutcome<T> => ({ ok: true, value });
const fail = (reason: string): ParseOutcome<never> => ({ ok: false, reason });

/** Renders a raw value for an error message without letting huge or multi-line input through. */
export function quote(raw: string): string {
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return JSON.stringify(shown);
}

export function parseString(opts: { minLength?: number; pattern?: RegExp } = {}): Parser<string> {
  return (raw) => {
    if (opts.minLength !== undefined && raw.length < opts.minLength)
      return fail(`must be at least ${opts.minLength} characters long`);
    if (opts.pattern && !opts.pattern.test(raw))
      return fail(`${quote(raw)} does not match ${String(opts.pattern)}`);
    return ok(raw);
  };
}

export function parseInteger(opts: { min?: number; max?: number } = {}): Parser<number> {
  return (raw) => {
    const text = raw.trim();
    if (!/^[+-]?\d+$/.test(text)) return fail(`${quote(raw)} is not an integer`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) return fail(`${quote(raw)} is out of the safe integer range`);
    if (opts.min !== undefined && n < opts.min)
      return fail(`${n} is below the minimum ${opts.min}`);
    if (opts.max !== undefined && n > opts.max)
      return fail(`${n} is above the maximum ${opts.max}`);
    return ok(n);
  };
}

export const parsePort: Parser<number> = (raw) => {
  const n = parseInteger({ min: 0, max: 65535 })(raw);
  return n.ok ? n : fail(`${quote(raw)} is not a TCP/UDP port (0-65535)`);
};

/** Validates an absolute URL; the value stays the text as written (a URL object is mutable). */
export function parseUrl(opts: { protocols?: readonly string[] } = {}): Parser<string> {
  return (raw) => {
    const text = raw.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail(`${quote(redactUrlText(raw))} is not an absolute URL`);
    }
    if (opts.protocols && !opts.protocols.includes(url.protocol))
      return fail(
        `protocol ${url.protocol} is not one of ${opts.protocols.map((p) => p.replace(/:$/, '')).join(', ')}`,
      );
    if (url.hostname === '') return fail(`${quote(redactUrlText(raw))} has no host`);
    return ok(text);
  };
}

export function parseOneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw) => {
    const text = raw.trim();
    return (choices as readonly string[]).includes(text)
      ? ok(text as T)
      : fail(`${quote(raw)} is not one of ${choices.join(', ')}`);
  };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export const parseBoolean: Parser<boolean> = (raw) => {
  const text = raw.trim().toLowerCase();
  if (TRUE.has(text)) return ok(true);
  if (FALSE.has(text)) return ok(false);
  return fail(`${quote(raw)} is not a boolean (true/false, 1/0, yes/no, on/off)`);
};

export function parseDuration(opts: { minMs?: number; maxMs?: number } = {}): Parser<number> {
  return (raw) => {
    const ms = parseDurationMs(raw);
    if (ms === null)
      return fail(`${quote(raw)} is not a duration (e.g. 250ms, 30s, 5m, 1h30m, or milliseconds)`);
    if (opts.minMs !== undefined && ms < opts.minMs)
      return fail(`${ms}ms is below the minimum ${opts.minMs}ms`);
    if (opts.maxMs !== undefined && ms > opts.maxMs)
      return fail(`${ms}ms is above the maximum ${opts.maxMs}ms`);
    return ok(ms);
  };
}

export const parseCidr: Parser<Cidr> = (raw) => {
  const text = raw.trim();
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return fail(`${quote(raw)} is not a CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)`);
  }
  const [address, prefixLength] = parsed;
  const version = address.kind() === 'ipv4' ? 4 : 6;
  const network =
    version === 4
      ? ipaddr.IPv4.networkAddressFromCIDR(text).toString()
      : ipaddr.IPv6.networkAddressFromCIDR(text).toString();
  return ok({ text: `${network}/${prefixLength}`, version, network, prefixLength });
};

/** "host:port" or "[v6]:port", as Kafka bootstrap servers are written. */
export const parseHostPort: Parser<HostPort> = (raw) => {
  const text = raw.trim();
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) return fail(`${quote(raw)} is not host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return fail(`${quote(raw)} has port ${port} outside 1-65535`);
  return ok({ host: m[1], port });
};

/** Kafka's own rule for topic names (legal characters, length, no "." or ".."). */
export const parseTopicName: Parser<string> = (raw) => {
  const text = raw.trim();
  if (text === '.' || text === '..') return fail(`${quote(raw)} is not a legal topic name`);
  if (text.length > 249) return fail('a topic name is at most 249 characters');
  if (!/^[A-Za-z0-9._-]+$/.test(text))
    return fail(`${quote(raw)} may only contain letters, digits, ".", "_" and "-"`);
  return ok(text);
};

export function parseList<T>(item: Parser<T>, opts: { minItems?: number } = {}): Parser<T[]> {
  return (raw) => {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (opts.minItems !== undefined && parts.length < opts.minItems)
      return fail(`needs at least ${opts.minItems} comma-separated item(s)`);
    const values: T[] = [];
    for (const [i, part] of parts.entries()) {
      const r = item(part);
      if (!r.ok) return fail(`item ${i + 1}: ${r.reason}`);
      values.push(r.value);
    }
    return ok(values);
  };
}

/** Hides the password of a URL's userinfo, e.g. redis://:secret@host → redis://:***@host. */
export function redactUrlText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, '$1***@');
}
