/** The part of a pino logger the listeners use. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Logs each rejection reason at most once per interval (default a minute), with how many
 * were suppressed since, so a flood of bad packets cannot flood the log.
 */
export class RejectionLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: WarnLogger | undefined,
    private readonly intervalMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  note(reason: string, details: Record<string, unknown>): void {
    if (this.logger === undefined) return;
    const now = this.clock();
    const entry = this.last.get(reason);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(reason, { at: now, suppressed: 0 });
    this.logger.warn(
      { reason, suppressedSinceLastLog: suppressed, ...details },
      'flow export rejected',
    );
  }
}
