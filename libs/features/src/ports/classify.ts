import type { PortClass, Transport } from '@opaqueflow/flow-model';
import { FeaturesError, type FeaturesIssue } from '../errors.js';
import { DEFAULT_ENCRYPTED_PORTS, type EncryptedPortEntry } from './encrypted-ports.js';
import { ianaRegistry } from './iana.js';
import { PROTOCOL_SERVICE_NAMES } from './protocol-services.js';

/** Site-specific changes to the encrypted-port table, from configuration. */
export interface PortOverrides {
  /** Added to the table; an entry for a port already there replaces it. */
  readonly encrypted?: readonly {
    readonly port: number;
    readonly transport: 'tcp' | 'udp';
    readonly protocols: readonly string[];
    readonly service?: string;
  }[];
  /** Removed from the table: no encrypted service is expected there on this network. */
  readonly notEncrypted?: readonly { readonly port: number; readonly transport: 'tcp' | 'udp' }[];
  /** Start from an empty table instead of the built-in one. */
  readonly replaceDefaults?: boolean;
}

/** The compiled, frozen table classifyPort consults. */
export interface PortTable {
  lookup(port: number, transport: Transport): EncryptedPortEntry | undefined;
  readonly entries: readonly EncryptedPortEntry[];
}

const keyOf = (port: number, transport: string): string => `${transport}/${port}`;

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535;
}

function isTransport(value: unknown): value is 'tcp' | 'udp' {
  return value === 'tcp' || value === 'udp';
}

/** Validates overrides once and compiles them; throws FeaturesError listing every bad entry. */
export function createPortTable(overrides: PortOverrides = {}): PortTable {
  const issues: FeaturesIssue[] = [];
  const table = new Map<string, EncryptedPortEntry>();
  if (overrides.replaceDefaults !== undefined && typeof overrides.replaceDefaults !== 'boolean') {
    issues.push({ path: 'ports.replaceDefaults', reason: 'must be a boolean' });
  }
  if (overrides.replaceDefaults !== true) {
    for (const entry of DEFAULT_ENCRYPTED_PORTS)
      table.set(keyOf(entry.port, entry.transport), entry);
  }
  const encrypted: unknown = overrides.encrypted ?? [];
  const notEncrypted: unknown = overrides.notEncrypted ?? [];
  if (!Array.isArray(encrypted))
    issues.push({ path: 'ports.encrypted', reason: 'must be an array' });
  else {
    encrypted.forEach((raw: unknown, i) => {
      const path = `ports.encrypted[${i}]`;
      const entry = (raw ?? {}) as Record<string, unknown>;
      const { port, transport, protocols, service } = entry;
      if (!isPort(port))
        issues.push({ path: `${path}.port`, reason: 'must be an integer 0–65535' });
      if (!isTransport(transport))
        issues.push({ path: `${path}.transport`, reason: 'must be "tcp" or "udp"' });
      const protocolsOk =
        Array.isArray(protocols) &&
        protocols.length > 0 &&
        protocols.every((p) => typeof p === 'string' && p.length > 0);
      if (!protocolsOk) {
        issues.push({
          path: `${path}.protocols`,
          reason: 'must be a non-empty array of protocol names',
        });
      }
      if (service !== undefined && typeof service !== 'string') {
        issues.push({ path: `${path}.service`, reason: 'must be a string' });
      }
      if (isPort(port) && isTransport(transport) && protocolsOk) {
        table.set(
          keyOf(port, transport),
          Object.freeze({
            port,
            transport,
            protocols: Object.freeze([...(protocols as string[])]),
            service: typeof service === 'string' ? service : 'configured',
          }),
        );
      }
    });
  }
  if (!Array.isArray(notEncrypted))
    issues.push({ path: 'ports.notEncrypted', reason: 'must be an array' });
  else {
    notEncrypted.forEach((raw: unknown, i) => {
      const entry = (raw ?? {}) as Record<string, unknown>;
      if (!isPort(entry.port))
        issues.push({
          path: `ports.notEncrypted[${i}].port`,
          reason: 'must be an integer 0–65535',
        });
      if (!isTransport(entry.transport)) {
        issues.push({
          path: `ports.notEncrypted[${i}].transport`,
          reason: 'must be "tcp" or "udp"',
        });
      }
      if (isPort(entry.port) && isTransport(entry.transport))
        table.delete(keyOf(entry.port, entry.transport));
    });
  }
  if (issues.length > 0) throw new FeaturesError('FEATURES_PORTS_INVALID', issues);
  const entries = Object.freeze(
    [...table.values()].sort((a, b) => a.port - b.port || a.transport.localeCompare(b.transport)),
  );
  return Object.freeze({
    lookup: (port: number, transport: Transport) => table.get(keyOf(port, transport)),
    entries,
  });
}

let defaultTable: PortTable | null = null;

export function defaultPortTable(): PortTable {
  defaultTable ??= createPortTable();
  return defaultTable;
}

const NO_PROTOCOLS: readonly string[] = Object.freeze([]);

/**
 * Classifies a server port for what was seen on it.
 *
 * standardForSeen: a recognised protocol is standard when the encrypted-port table expects it
 * there or the port is IANA-registered under one of that protocol's service names. When nothing
 * was recognised (seenProtocol null or "none": opaque or unknown bytes), the port counts as
 * standard only where an encrypted service is expected — opaque bytes on 51820/udp are less
 * surprising than on 8081.
 */
export function classifyPort(
  port: number,
  transport: Transport,
  seenProtocol: string | null,
  table: PortTable = defaultPortTable(),
): PortClass {
  const valid = isPort(port);
  const ianaService =
    valid && isTransport(transport) ? ianaRegistry().serviceName(port, transport) : null;
  const entry = valid ? table.lookup(port, transport) : undefined;
  const expectedProtocols = entry?.protocols ?? NO_PROTOCOLS;
  let standardForSeen: boolean;
  if (seenProtocol === null || seenProtocol === 'none') {
    standardForSeen = entry !== undefined;
  } else {
    const names = PROTOCOL_SERVICE_NAMES[seenProtocol];
    standardForSeen =
      expectedProtocols.includes(seenProtocol) ||
      (ianaService !== null && names !== undefined && names.includes(ianaService));
  }
  return {
    port,
    transport,
    ianaService,
    encryptedExpected: entry !== undefined,
    expectedProtocols,
    standardForSeen,
  };
}
