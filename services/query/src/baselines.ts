import type { PortBaselineSnapshot, Transport } from '@opaqueflow/flow-model';
import { TRANSPORTS } from '@opaqueflow/flow-model';
import type { ScorerConfig, ScorerStore, WindowSummary } from '@opaqueflow/scoring';
import { baselineOf, portKeyOf } from '@opaqueflow/scoring';

export interface PortRef {
  readonly port: number;
  readonly transport: Transport;
  readonly scope: string | null;
}

export interface PortBaselineView extends PortRef {
  readonly baseline: PortBaselineSnapshot;
  /** The shortest tier's window: what the port carried lately. */
  readonly recent: WindowSummary;
  readonly firstSeenMs: number | null;
  readonly lastEventMs: number | null;
}

/** The sliding per-port baselines the scorer keeps, as the API shows them. */
export interface BaselineReader {
  ports(): Promise<PortRef[]>;
  baselines(refs: readonly PortRef[]): Promise<PortBaselineView[]>;
}

export function parsePortKey(key: string): PortRef | null {
  const [port, transport, ...scope] = key.split('/');
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535 || !TRANSPORTS.has(transport as Transport))
    return null;
  return {
    port: n,
    transport: transport as Transport,
    scope: scope.length === 0 ? null : scope.join('/'),
  };
}

/**
 * Baselines read through the scorer's own store interface and summarised by libs/scoring's
 * baselineOf, so the API says what the scorer judges by. The store lists its port keys:
 * the memory store from its map, the Redis store by scanning its key space.
 */
export class StoreBaselineReader implements BaselineReader {
  constructor(
    private readonly store: ScorerStore,
    private readonly config: ScorerConfig,
    private readonly listKeys: () => Promise<readonly string[]>,
  ) {}

  async ports(): Promise<PortRef[]> {
    const keys = await this.listKeys();
    return keys
      .flatMap((k) => {
        const r = parsePortKey(k);
        return r === null ? [] : [r];
      })
      .sort(
        (a, b) =>
          a.port - b.port ||
          a.transport.localeCompare(b.transport) ||
          (a.scope ?? '').localeCompare(b.scope ?? ''),
      );
  }

  async baselines(refs: readonly PortRef[]): Promise<PortBaselineView[]> {
    if (refs.length === 0) return [];
    const keys = refs.map((r) => portKeyOf(r.port, r.transport, r.scope));
    const state = await this.store.read({
      ports: keys.map((key) => ({ key, pids: [] })),
      aggregates: [],
      hosts: [],
      tierCount: this.config.tiers.length,
    });
    return refs.map((r, i) => {
      const s = state.ports.get(keys[i]!);
      const horizon = s?.maxEventMs ?? Date.now();
      const b = baselineOf(s, r.port, r.transport, horizon, this.config);
      return {
        ...r,
        baseline: b.snapshot,
        recent: b.recent,
        firstSeenMs: b.firstSeenMs,
        lastEventMs: s?.maxEventMs ?? null,
      };
    });
  }
}
