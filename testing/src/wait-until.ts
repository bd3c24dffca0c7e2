/**
 * The one deadline wait of the test suites: re-run a predicate until it yields a value, and on timeout say what was
 * awaited (and the predicate's last error, when it kept failing). Never a bare sleep: the wait ends as soon as the
 * condition holds.
 */
import type { EventEmitter } from 'node:events';

/** What a predicate returns while the condition does not hold yet. */
export type NotYet = undefined | null | false;

export interface WaitUntilOptions {
  /** The deadline, from the call. */
  readonly timeoutMs: number;
  /** Time between two runs of the predicate (default 20 ms). */
  readonly intervalMs?: number;
  /** Named in the timeout error: `timed out after N ms waiting for <what>`. */
  readonly what: string;
  /** Also re-run the predicate at once on any of these events (a wait on events, polling as a safety net). */
  readonly wakeOn?: { readonly emitter: EventEmitter; readonly events: readonly string[] };
  /**
   * Treat a throwing predicate as "not yet" (e.g. a command that fails until a daemon is up); its last error is
   * quoted on timeout. By default an error ends the wait with that error.
   */
  readonly retryOnError?: boolean;
}

/** Resolves with the first value of `predicate` that is not `undefined`, `null` or `false`. */
export async function waitUntil<T>(
  predicate: () => T | NotYet | Promise<T | NotYet>,
  options: WaitUntilOptions,
): Promise<T> {
  const started = performance.now();
  const intervalMs = options.intervalMs ?? 20;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (options.retryOnError !== true) throw error;
      lastError = error;
    }
    const left = options.timeoutMs - (performance.now() - started);
    if (left <= 0) throw timeoutError(options, lastError);
    await pause(Math.min(intervalMs, left), options.wakeOn);
  }
}

function timeoutError(options: WaitUntilOptions, lastError: unknown): Error {
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  return new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${detail}`);
}

function pause(ms: number, wakeOn: WaitUntilOptions['wakeOn']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      for (const event of wakeOn?.events ?? []) wakeOn?.emitter.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const event of wakeOn?.events ?? []) wakeOn?.emitter.on(event, done);
  });
}
