/** A private unprivileged sanlock daemon (no watchdog) in `dir`, for one vdsmd; shut down by `stop()`. */

import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';

export interface Sanlock {
  readonly runDir: string;
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function startSanlock(dir: string): Promise<Sanlock> {
  const runDir = join(dir, 'sanlock-run');
  await mkdir(runDir, { recursive: true });
  const env = { SANLOCK_PRIVILEGED: '0', SANLOCK_RUN_DIR: runDir };
  await execa('sanlock', ['daemon', '-w', '0', '-U', 'root', '-G', 'root'], { env, timeout: 10_000, stdin: 'ignore' });
  await waitUntil(() => exists(join(runDir, 'sanlock.sock')), { timeoutMs: 10_000, what: 'the sanlock socket' });
  return {
    runDir,
    async stop() {
      const pid = Number((await readFile(join(runDir, 'sanlock.pid'), 'utf8').catch(() => '')).trim());
      await execa('sanlock', ['client', 'shutdown', '-f', '1'], { env, reject: false, timeout: 30_000 });
      // the pid file stays behind: wait for the process itself
      if (Number.isInteger(pid) && pid > 0)
        await waitUntil(async () => !alive(pid), { timeoutMs: 30_000, what: 'sanlock to exit' });
    },
  };
}
