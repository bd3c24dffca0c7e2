/** A private unprivileged sanlock daemon (no watchdog) in `dir`, for one vdsmd; shut down by `stop()`. */
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface Sanlock {
  readonly runDir: string;
  stop(): Promise<void>;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
  await until(() => exists(join(runDir, 'sanlock.sock')), 'the sanlock socket', 10_000);
  return {
    runDir,
    async stop() {
      const pid = Number((await readFile(join(runDir, 'sanlock.pid'), 'utf8').catch(() => '')).trim());
      await execa('sanlock', ['client', 'shutdown', '-f', '1'], { env, reject: false, timeout: 30_000 });
      // the pid file stays behind: wait for the process itself
      if (Number.isInteger(pid) && pid > 0) await until(async () => !alive(pid), 'sanlock to exit', 30_000);
    },
  };
}
