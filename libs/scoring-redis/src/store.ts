import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type {
  AggregateState,
  AggregateTotals,
  ApplyRequest,
  ApplyResult,
  BucketCounters,
  HostState,
  LatenessState,
  PortState,
  ReadRequest,
  ReadResult,
  ScorerStore,
} from '@opaqueflow/scoring';
import { toScoringError } from './errors.js';
import { keySpace, type KeySpace } from './keys.js';
import { keySlot } from './slot.js';
import { APPLY_AGGREGATE, APPLY_HOST, APPLY_LATENESS, APPLY_PORT } from './scripts.js';

export interface RedisScorerStoreOptions {
  /** A single Redis, or a Redis Cluster (pipelines are then split per master node). */
  readonly client: Redis | Cluster;
  /** Prefix of every key (default "of:"); tests use their own. */
  readonly keyPrefix?: string;
}

type Pipeline = ReturnType<Redis['pipeline']>;

/** One command of a batch pipeline: its first key routes it on a cluster. */
interface Command {
  readonly key: string;
  readonly add: (pipe: Pipeline) => void;
}

/** One script invocation: which script, its keys (one slot) and arguments. */
export interface ScriptCall {
  readonly script: 'port' | 'aggregate' | 'host' | 'lateness';
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** The aggregate id an aggregate call updates. */
  readonly aggregate?: string;
}

const SOURCES = {
  port: APPLY_PORT,
  aggregate: APPLY_AGGREGATE,
  host: APPLY_HOST,
  lateness: APPLY_LATENESS,
} as const;
const SHAS = Object.fromEntries(
  Object.entries(SOURCES).map(([k, v]) => [k, createHash('sha1').update(v).digest('hex')]),
) as Record<keyof typeof SOURCES, string>;

function parseBucket(value: string, bits: string | undefined): BucketCounters | null {
  const p = value.split(',');
  if (p.length !== 6 || bits === undefined || bits.length !== 64) return null;
  return {
    flows: Number(p[0]),
    opaque: Number(p[1]),
    bytes: Number(p[2]),
    entropyMilliSum: Number(p[3]),
    entropyMilliSqSum: Number(p[4]),
    entropyCount: Number(p[5]),
    srcBits: bits.slice(0, 32),
    dstBits: bits.slice(32),
  };
}

function watermarksOf(hash: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(hash)) if (k.startsWith('w:')) out[k.slice(2)] = v;
  return out;
}

/** Totals from the aggregate script's reply or an HMGET of f, l, n, b, s; null when absent. */
function totalsOf(fields: readonly unknown[]): AggregateTotals | null {
  const [f, l, n, b, s] = fields.map((x) => (typeof x === 'string' ? x : ''));
  if (n === undefined || n === '') return null;
  return {
    firstSeenMs: Number(f),
    lastSeenMs: Number(l),
    flowCount: Number(n),
    bytes: Number(b === '' ? 0 : b),
    sampleFlowIds: s === undefined || s === '' ? [] : s.split(','),
  };
}

function numberOrNull(v: string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * The scorer's state in Redis. read() is one pipeline of HGETALL/HMGET; apply() is one
 * pipeline of EVALSHA calls, one per key group, each checking and moving its watermark
 * atomically. A script the server forgot (restart, SCRIPT FLUSH) is loaded and the
 * NOSCRIPT calls alone are re-sent — they never ran, so that is safe.
 */
export class RedisScorerStore implements ScorerStore {
  readonly keys: KeySpace;
  private readonly client: Redis | Cluster;
  /** Network round trips made (pipelines and single commands). */
  roundTrips = 0;

  constructor(options: RedisScorerStoreOptions) {
    this.client = options.client;
    this.keys = keySpace(options.keyPrefix);
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    const commands: Command[] = [];
    for (const { key, pids } of request.ports) {
      const meta = this.keys.portMeta(key);
      commands.push({
        key: meta,
        add: (p) => p.hmget(meta, 'fs', 'mx', ...pids.map((x) => `w:${x}`)),
      });
      for (let t = 0; t < request.tierCount; t++) {
        const tier = this.keys.portTier(key, t);
        commands.push({ key: tier, add: (p) => p.hgetall(tier) });
      }
    }
    for (const { id } of request.aggregates) {
      const k = this.keys.aggregate(id);
      commands.push({ key: k, add: (p) => p.hgetall(k) });
    }
    for (const { addr } of request.hosts) {
      const k = this.keys.host(addr);
      commands.push({ key: k, add: (p) => p.hgetall(k) });
    }
    const partitions = request.partitions ?? [];
    for (const pid of partitions) {
      const k = this.keys.lateness(pid);
      commands.push({ key: k, add: (p) => p.hmget(k, 'o', 'm', 'po', 'pm') });
    }
    if (commands.length === 0)
      return { ports: new Map(), aggregates: new Map(), hosts: new Map(), lateness: new Map() };
    const replies = (await this.run(commands, 'read')).map(([err, value]) => {
      if (err !== null) throw toScoringError(err, 'read');
      return value;
    });
    let i = 0;
    const next = (): unknown => replies[i++];
    const ports = new Map<string, PortState>();
    for (const { key, pids } of request.ports) {
      const meta = next() as (string | null)[];
      const watermarks: Record<string, string> = {};
      pids.forEach((pid, j) => {
        const wm = meta[2 + j];
        if (typeof wm === 'string') watermarks[pid] = wm;
      });
      const tiers: Map<number, BucketCounters>[] = [];
      for (let t = 0; t < request.tierCount; t++) {
        const hash = next() as Record<string, string>;
        const buckets = new Map<number, BucketCounters>();
        for (const [field, value] of Object.entries(hash)) {
          if (!/^\d+$/.test(field)) continue;
          const b = parseBucket(value, hash[`${field}b`]);
          if (b !== null) buckets.set(Number(field), b);
        }
        tiers.push(buckets);
      }
      ports.set(key, {
        firstSeenMs: numberOrNull(meta[0]),
        maxEventMs: numberOrNull(meta[1]),
        tiers,
        watermarks,
      });
    }
    const aggregates = new Map<string, AggregateState | null>();
    for (const { id } of request.aggregates) {
      const h = next() as Record<string, string>;
      aggregates.set(
        id,
        h.n === undefined
          ? null
          : {
              firstSeenMs: Number(h.f),
              lastSeenMs: Number(h.l),
              flowCount: Number(h.n),
              bytes: Number(h.b ?? 0),
              sampleFlowIds: h.s === undefined || h.s === '' ? [] : h.s.split(','),
              watermarks: watermarksOf(h),
            },
      );
    }
    const hosts = new Map<string, HostState | null>();
    for (const { addr } of request.hosts) {
      const h = next() as Record<string, string>;
      hosts.set(
        addr,
        h.e === undefined
          ? null
          : { evidence: Number(h.e), refMs: Number(h.r), watermarks: watermarksOf(h) },
      );
    }
    const lateness = new Map<string, LatenessState>();
    for (const pid of partitions) {
      const [o, m, po, pm] = next() as (string | null)[];
      const maxEventMs = numberOrNull(m);
      if (typeof o !== 'string' || maxEventMs === null) continue;
      const previousMaxEventMs = numberOrNull(pm);
      const previous = typeof po === 'string' && previousMaxEventMs !== null;
      lateness.set(pid, {
        offset: o,
        maxEventMs,
        previousOffset: previous ? po : null,
        previousMaxEventMs: previous ? previousMaxEventMs : null,
      });
    }
    return { ports, aggregates, hosts, lateness };
  }

  /** The script calls an apply would make: exposed so tests can check each is single-slot. */
  scriptCalls(request: ApplyRequest): ScriptCall[] {
    const calls: ScriptCall[] = [];
    for (const d of request.ports) {
      const args = [
        d.pid,
        d.minOffset,
        d.maxOffset,
        String(Math.ceil(d.ttlMs)),
        String(d.eventMinMs),
        String(d.eventMaxMs),
        String(d.tiers.length),
      ];
      for (const t of d.tiers) {
        args.push(String(t.cutoffIndex), String(t.buckets.length));
        for (const [idx, c] of t.buckets)
          args.push(
            String(idx),
            String(c.flows),
            String(c.opaque),
            String(c.bytes),
            String(c.entropyMilliSum),
            String(c.entropyMilliSqSum),
            String(c.entropyCount),
            c.srcBits,
            c.dstBits,
          );
      }
      calls.push({
        script: 'port',
        keys: [this.keys.portMeta(d.key), ...d.tiers.map((_, i) => this.keys.portTier(d.key, i))],
        args,
      });
    }
    for (const d of request.aggregates)
      calls.push({
        script: 'aggregate',
        aggregate: d.id,
        keys: [this.keys.aggregate(d.id)],
        args: [
          d.pid,
          d.minOffset,
          d.maxOffset,
          String(Math.ceil(d.ttlMs)),
          String(d.firstSeenMs),
          String(d.lastSeenMs),
          String(d.flowCount),
          String(d.bytes),
          String(d.maxSampleFlowIds),
          d.sampleFlowIds.join(','),
        ],
      });
    // After the deltas: on one Redis a pipeline runs in order, so a watermark never moves
    // ahead of the effects of the flows that moved it (and a retry meets the previous one).
    const lateness = (request.lateness ?? []).map((d): ScriptCall => ({
      script: 'lateness',
      keys: [this.keys.lateness(d.pid)],
      args: [d.minOffset, d.maxOffset, String(d.maxEventMs), String(Math.ceil(d.ttlMs))],
    }));
    for (const d of request.hosts)
      calls.push({
        script: 'host',
        keys: [this.keys.host(d.addr)],
        args: [
          d.pid,
          d.minOffset,
          d.maxOffset,
          String(Math.ceil(d.ttlMs)),
          String(d.evidence),
          String(d.refMs),
          String(d.halfLifeMs),
        ],
      });
    for (const c of lateness) calls.push(c);
    return calls;
  }

  async apply(request: ApplyRequest): Promise<ApplyResult> {
    const calls = this.scriptCalls(request);
    const observed = request.observeAggregates ?? [];
    const tally = { applied: 0, replayed: 0, conflicts: 0 };
    const totals = new Map<string, AggregateTotals>();
    if (calls.length === 0 && observed.length === 0) return { ...tally, aggregates: totals };
    // Replies per call index: a pipeline (and a cluster node's share of one) runs in order,
    // so the last reply for an aggregate is its latest state.
    const aggregateReplies = new Map<number, AggregateTotals | null>();
    const reads: Command[] = observed.map((id) => {
      const k = this.keys.aggregate(id);
      return { key: k, add: (p: Pipeline) => p.hmget(k, 'f', 'l', 'n', 'b', 's') };
    });
    let pending = calls.map((call, index) => ({ call, index }));
    for (let attempt = 0; attempt < 2 && (pending.length > 0 || attempt === 0); attempt++) {
      const replies = await this.run(
        [
          ...pending.map(({ call: c }) => ({
            key: c.keys[0]!,
            add: (p: Pipeline) => p.evalsha(SHAS[c.script], c.keys.length, ...c.keys, ...c.args),
          })),
          // Observed aggregates ride along with the first attempt: still one round trip.
          ...(attempt === 0 ? reads : []),
        ],
        'apply',
      );
      const missing: typeof pending = [];
      replies.forEach(([err, value], j) => {
        if (j >= pending.length) {
          if (err !== null) throw toScoringError(err, 'apply');
          const t = totalsOf(value as unknown[]);
          if (t !== null) totals.set(observed[j - pending.length]!, t);
          return;
        }
        const p = pending[j]!;
        if (err !== null) {
          if (/NOSCRIPT/.test(err.message)) missing.push(p);
          else throw toScoringError(err, 'apply');
          return;
        }
        const reply = Array.isArray(value) ? (value as unknown[]) : [value];
        const status = reply[0];
        // A watermark's move is not a state update of its own (it has no replay to skip).
        if (p.call.script === 'lateness') return;
        if (status === 0) tally.applied += 1;
        else if (status === 1) tally.replayed += 1;
        else tally.conflicts += 1;
        if (p.call.script === 'aggregate') aggregateReplies.set(p.index, totalsOf(reply.slice(1)));
      });
      if (missing.length > 0) await this.loadScripts(new Set(missing.map((m) => m.call.script)));
      pending = missing;
    }
    if (pending.length > 0) throw toScoringError(new Error('scripts not loadable'), 'apply');
    for (const i of [...aggregateReplies.keys()].sort((a, b) => a - b)) {
      const id = calls[i]!.aggregate!;
      const t = aggregateReplies.get(i)!;
      if (t === null) totals.delete(id);
      else totals.set(id, t);
    }
    return { ...tally, aggregates: totals };
  }

  /** Load the scripts ahead of the first batch (optional: apply loads them on NOSCRIPT). */
  async loadScripts(
    which: Iterable<keyof typeof SOURCES> = ['port', 'aggregate', 'host', 'lateness'],
  ): Promise<void> {
    const scripts = [...which].map((w) => SOURCES[w]);
    // On a cluster every master needs the scripts: SCRIPT LOAD goes to each node.
    const nodes = isCluster(this.client) ? this.client.nodes('master') : [this.client];
    await Promise.all(
      nodes.map(async (node) => {
        const pipe = node.pipeline();
        for (const source of scripts) pipe.script('LOAD', source);
        const replies = await this.execRaw(pipe, 'script load');
        for (const [err] of replies) if (err !== null) throw toScoringError(err, 'script load');
      }),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Runs commands as one pipeline on a single Redis, or one pipeline per master node on a
   * cluster (sent together, so still one round trip of latency); replies in command order.
   */
  private async run(
    commands: readonly Command[],
    what: string,
  ): Promise<[Error | null, unknown][]> {
    if (!isCluster(this.client)) {
      const pipe = this.client.pipeline();
      for (const c of commands) c.add(pipe);
      return this.execRaw(pipe, what);
    }
    const cluster = this.client;
    const groups = new Map<string, number[]>();
    commands.forEach((c, i) => {
      const node = cluster.slots[keySlot(c.key)]?.[0] ?? 'unrouted';
      const list = groups.get(node);
      if (list === undefined) groups.set(node, [i]);
      else list.push(i);
    });
    const out: [Error | null, unknown][] = new Array<[Error | null, unknown]>(commands.length);
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const pipe = cluster.pipeline();
        for (const i of indexes) commands[i]!.add(pipe);
        const replies = await this.execRaw(pipe, what);
        indexes.forEach((i, j) => {
          out[i] = replies[j] ?? [new Error('missing reply'), null];
        });
      }),
    );
    return out;
  }

  private async execRaw(pipe: Pipeline, what: string): Promise<[Error | null, unknown][]> {
    this.roundTrips += 1;
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipe.exec();
    } catch (err) {
      throw toScoringError(err, what);
    }
    if (replies === null) throw toScoringError(new Error('pipeline discarded'), what);
    return replies;
  }
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}
