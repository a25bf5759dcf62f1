/** Whether one dependency is usable now; a throw or a timeout counts as not ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

/** A check slower than this is a dependency that is not answering. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * The dependencies a service needs connected to be given work (Kafka, the registry, Redis):
 * what Kubernetes' readiness probe asks. Checks run concurrently on every probe.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(): Promise<ReadinessReport> {
    const entries = [...this.checks];
    const results = await Promise.all(entries.map(([, check]) => runCheck(check)));
    const checks: Record<string, boolean> = {};
    entries.forEach(([name], i) => (checks[name] = results[i]!));
    return { ready: results.every(Boolean), checks };
  }
}

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
    });
    return (await Promise.race([Promise.resolve().then(check), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
