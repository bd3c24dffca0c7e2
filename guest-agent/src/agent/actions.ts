/**
 * What host commands do to the guest: power off/reboot, lock the screen, log the user off, hibernate,
 * run lifecycle hooks. Every program is configurable (`[commands]`), so a test points them at a
 * recording script instead of powering this machine off.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HibernateState, LifecycleEventType } from '../protocol/commands.js';
import type { AgentConfig } from './config.js';
import { type ExecResult, run, which } from './exec.js';
import type { Logger } from './log.js';

const COMMAND_TIMEOUT_MS = 30_000;
const HOOK_TIMEOUT_MS = 60_000;

export interface ActionOutcome {
  readonly ok: boolean;
  readonly argv: readonly string[];
  readonly detail: string;
}

function outcome(argv: readonly string[], res: ExecResult): ActionOutcome {
  const ok = res.error === undefined && res.exitCode === 0;
  const detail = res.error ?? (ok ? 'ok' : `exit ${res.exitCode}: ${res.stderr.trim().slice(0, 200)}`);
  return { ok, argv, detail };
}

export class GuestActions {
  constructor(
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {}

  /**
   * Powers off or reboots after `timeoutSeconds` with `message`. Tries, in order: the configured
   * program, `shutdown -h|-r +MIN MSG` (minutes, rounded up), `busybox poweroff|reboot -d SECONDS`.
   */
  async shutdown(timeoutSeconds: number, message: string, reboot: boolean): Promise<ActionOutcome> {
    const minutes = Math.ceil(timeoutSeconds / 60);
    const flag = reboot ? '-r' : '-h';
    const candidates: string[][] = [];
    if (this.config.shutdown.length > 0) {
      candidates.push([...this.config.shutdown, flag, `+${minutes}`, message]);
    } else {
      const shutdown = await which('shutdown');
      if (shutdown !== undefined) candidates.push([shutdown, flag, `+${minutes}`, message]);
      const busybox = await which('busybox');
      if (busybox !== undefined)
        candidates.push([busybox, reboot ? 'reboot' : 'poweroff', '-d', String(timeoutSeconds)]);
    }
    if (candidates.length === 0) return { ok: false, argv: [], detail: 'no shutdown, poweroff or busybox found' };
    let last: ActionOutcome | undefined;
    for (const argv of candidates) {
      // `busybox poweroff -d N` waits out the delay itself before it signals init.
      last = outcome(argv, await run(argv, { timeoutMs: COMMAND_TIMEOUT_MS + timeoutSeconds * 1000 }));
      if (last.ok) return last;
      this.log.warn('power command failed', { argv, detail: last.detail });
    }
    return last as ActionOutcome;
  }

  async lockScreen(): Promise<ActionOutcome> {
    return this.#configured('lock_screen', this.config.lock_screen);
  }

  async logOff(user: string): Promise<ActionOutcome> {
    if (user === '' || user === 'None') return { ok: false, argv: [], detail: 'nobody is logged in' };
    return this.#configured('log_off', [...this.config.log_off, user]);
  }

  async hibernate(state: HibernateState): Promise<ActionOutcome> {
    if (this.config.hibernate.length > 0) return this.#configured('hibernate', [...this.config.hibernate, state]);
    try {
      await writeFile('/sys/power/state', state);
      return { ok: true, argv: [], detail: `wrote ${state} to /sys/power/state` };
    } catch (err) {
      return { ok: false, argv: [], detail: `/sys/power/state: ${(err as NodeJS.ErrnoException).code ?? err}` };
    }
  }

  /** Runs `<hooks_dir>/<type>/*` in name order; a failing hook is logged and the rest still run. */
  async runHooks(type: LifecycleEventType): Promise<ActionOutcome[]> {
    const dir = join(this.config.hooks_dir, type);
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    const results: ActionOutcome[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st === undefined || !st.isFile()) continue;
      results.push(outcome([path], await run([path], { timeoutMs: HOOK_TIMEOUT_MS })));
    }
    return results;
  }

  async #configured(key: string, argv: readonly string[]): Promise<ActionOutcome> {
    if (argv.length === 0) return { ok: false, argv, detail: `no ${key} command configured` };
    return outcome(argv, await run(argv, { timeoutMs: COMMAND_TIMEOUT_MS }));
  }
}
