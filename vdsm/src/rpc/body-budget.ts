/**
 * One budget for request bodies held in memory across every connection: bodies being received and bodies
 * whose request is still running. A connection's own frame limit stops one huge frame; this stops many large
 * ones at once (eight 50 MB bodies on eight connections) from adding up.
 */
export class BodyBudget {
  private used = 0;
  private peakUsed = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
    return true;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.used = Math.max(0, this.used - bytes);
  }

  /** Bytes held now. */
  get inUse(): number {
    return this.used;
  }

  /** The most ever held at once (for tests and diagnostics). */
  get peak(): number {
    return this.peakUsed;
  }
}
