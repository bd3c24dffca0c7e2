/**
 * A private, unprivileged sanlock daemon (no watchdog) with its own run directory, for storage tests: the daemon
 * and its clients find each other through SANLOCK_RUN_DIR, so it never meets the host's sanlock.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { waitUntil } from './wait-until.js';

export interface SanlockDaemon {
  /** SANLOCK_RUN_DIR for the daemon's clients. */
  readonly runDir: string;
  /** `sanlock client shutdown -f 1`, then waits for the process itself (its pid file stays behind). */
  stop(): Promise<void>;
}

const SANLOCK_TIMEOUT_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts sanlock with `<dir>/sanlock-run` as its run directory; resolves once its socket is there. */
export async function startSanlockDaemon(dir: string): Promise<SanlockDaemon> {
  const runDir = join(dir, 'sanlock-run');
  await mkdir(runDir, { recursive: true });
  const env = { SANLOCK_PRIVILEGED: '0', SANLOCK_RUN_DIR: runDir };
  await execa('sanlock', ['daemon', '-w', '0', '-U', 'root', '-G', 'root'], { env, timeout: 10_000, stdin: 'ignore' });
  await waitUntil(() => existsSync(join(runDir, 'sanlock.pid')) && existsSync(join(runDir, 'sanlock.sock')), {
    timeoutMs: 10_000,
    what: `the sanlock socket in ${runDir}`,
  });
  const pid = Number((await readFile(join(runDir, 'sanlock.pid'), 'utf8')).trim());
  return {
    runDir,
    async stop() {
      await execa('sanlock', ['client', 'shutdown', '-f', '1'], { env, reject: false, timeout: SANLOCK_TIMEOUT_MS });
      if (Number.isInteger(pid) && pid > 0)
        await waitUntil(() => !alive(pid), { timeoutMs: SANLOCK_TIMEOUT_MS, what: `sanlock ${pid} to exit` });
    },
  };
}
