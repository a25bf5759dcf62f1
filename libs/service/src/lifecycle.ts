import type { Logger } from '@opaqueflow/telemetry';
import { ServiceError } from './errors.js';

/**
 * starting → running → stopping → draining → stopped.
 * stopping: intake ends (sockets closed, consumers stop fetching), readiness is false.
 * draining: what is in flight finishes, offsets are committed, connections close in order.
 */
export type LifecycleState = 'starting' | 'running' | 'stopping' | 'draining' | 'stopped';

/** A shutdown step; `signal` aborts when the grace period is over (give up waiting, close). */
export type StopStep = (signal: AbortSignal) => void | Promise<void>;

export interface StopReport {
  readonly reason: string;
  /** 0 when every step finished within the grace period, 1 otherwise. */
  readonly exitCode: number;
  readonly durationMs: number;
  readonly failedSteps: readonly string[];
  readonly graceExpired: boolean;
}

export interface LifecycleOptions {
  /** Time for stopping and draining before the steps are told to give up (SHUTDOWN_GRACE). */
  readonly graceMs: number;
  /** Time after the grace before the process exits whatever is left (SHUTDOWN_FORCE). */
  readonly forceMs: number;
  readonly logger: Logger;
  /** Called once with the exit code when stopped, or at the force deadline. Default: none. */
  readonly exit?: (code: number) => void;
}

interface NamedStep {
  readonly name: string;
  readonly phase: 'stopping' | 'draining';
  readonly run: StopStep;
}

/**
 * The explicit lifecycle of a service process (after Temporal's worker: a state machine
 * with grace and force timeouts). Steps run one after another in registration order within
 * their phase, so a consumer commits and leaves its group before the producer it relies on
 * is flushed, and Redis closes after both. A failing step is logged and the next one runs:
 * a stuck Kafka must not keep Redis open.
 */
export class Lifecycle {
  private current: LifecycleState = 'starting';
  private readonly steps: NamedStep[] = [];
  private readonly abort = new AbortController();
  private stopping: Promise<StopReport> | null = null;
  private readonly listeners = new Set<(state: LifecycleState) => void>();
  private exited = false;
  private resolveStopped: (report: StopReport) => void = () => undefined;
  /** Resolves with the report once stopped. */
  readonly stopped: Promise<StopReport> = new Promise((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: LifecycleOptions) {}

  get state(): LifecycleState {
    return this.current;
  }

  /** Aborted when the grace period is over: long waits in steps should watch it. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Stop taking new work (close sockets, stop fetching). */
  onStopping(name: string, run: StopStep): void {
    this.steps.push({ name, phase: 'stopping', run });
  }

  /** Finish, commit, flush, close — in the order registered. */
  onDraining(name: string, run: StopStep): void {
    this.steps.push({ name, phase: 'draining', run });
  }

  onStateChange(listener: (state: LifecycleState) => void): void {
    this.listeners.add(listener);
  }

  markRunning(): void {
    if (this.current !== 'starting')
      throw new ServiceError(
        'SERVICE_STATE_INVALID',
        `cannot run a service that is ${this.current}`,
      );
    this.set('running');
  }

  /**
   * Idempotent: later calls get the first call's report. `failure` (a fatal error, a failed
   * start) makes the exit code 1 however cleanly the steps run.
   */
  stop(reason: string, options: { failure?: boolean } = {}): Promise<StopReport> {
    this.stopping ??= this.runStop(reason, options.failure ?? false);
    return this.stopping;
  }

  /** SIGTERM/SIGINT stop the service; a second signal exits at once. Returns an uninstaller. */
  installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopping !== null) {
        this.options.logger.warn({ signal }, 'second signal while stopping: exiting now');
        this.exit(1);
        return;
      }
      void this.stop(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  private set(state: LifecycleState): void {
    this.current = state;
    for (const l of this.listeners) {
      try {
        l(state);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  private exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.options.exit?.(code);
  }

  private async runStop(reason: string, failure: boolean): Promise<StopReport> {
    const { logger, graceMs, forceMs } = this.options;
    const started = Date.now();
    logger.info({ reason, graceMs, forceMs }, 'stopping');
    let graceExpired = false;
    const grace = setTimeout(() => {
      graceExpired = true;
      logger.warn({ graceMs }, 'shutdown grace expired: steps are told to give up');
      this.abort.abort(new Error('shutdown grace expired'));
    }, graceMs);
    const force = setTimeout(() => {
      logger.error({ graceMs, forceMs }, 'shutdown did not finish: forcing exit');
      this.exit(1);
    }, graceMs + forceMs);
    const failedSteps: string[] = [];
    this.set('stopping');
    for (const phase of ['stopping', 'draining'] as const) {
      if (phase === 'draining') this.set('draining');
      for (const step of this.steps.filter((s) => s.phase === phase)) {
        const t0 = Date.now();
        try {
          await step.run(this.abort.signal);
          logger.debug({ step: step.name, ms: Date.now() - t0 }, 'shutdown step done');
        } catch (err) {
          failedSteps.push(step.name);
          logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
    }
    clearTimeout(grace);
    clearTimeout(force);
    this.set('stopped');
    const report: StopReport = {
      reason,
      exitCode: failedSteps.length === 0 && !graceExpired && !failure ? 0 : 1,
      durationMs: Date.now() - started,
      failedSteps,
      graceExpired,
    };
    logger.info(report, 'stopped');
    this.resolveStopped(report);
    this.exit(report.exitCode);
    return report;
  }
}
