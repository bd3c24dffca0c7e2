import type { Logger } from '@vdsm-ts/common/logging';

/**
 * Rate limit for log lines a client can trigger at will (bad frames, refused connections, overload): at most one
 * line per kind per interval; the next line that gets through says how many were left out. A flood of bad input
 * then costs a few lines, not one per frame.
 */
export class LogLimiter {
  private readonly kinds = new Map<string, { last: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    this.write('warn', kind, fields, message);
  }

  info(kind: string, fields: Record<string, unknown>, message: string): void {
    this.write('info', kind, fields, message);
  }

  private write(level: 'warn' | 'info', kind: string, fields: Record<string, unknown>, message: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const now = Date.now();
    let state = this.kinds.get(kind);
    if (state === undefined) {
      state = { last: -Infinity, suppressed: 0 };
      this.kinds.set(kind, state);
    }
    if (now - state.last < this.intervalMs) {
      state.suppressed++;
      return;
    }
    const suppressed = state.suppressed;
    state.last = now;
    state.suppressed = 0;
    this.logger[level](suppressed === 0 ? fields : { ...fields, suppressed }, message);
  }
}
