// Shared set-up for the storage tests: directories on the real disk (sanlock needs O_DIRECT), private sanlock
// daemons, loop-mounted ext4 file systems and supervdsmd on a private socket.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';

type Tap = { teardown(fn: () => unknown): void };

import { startSupervdsmdProcess } from '@vdsm-ts/testing/supervdsmd-process';
import { SupervdsmClient } from '../../src/clients/supervdsm/client.js';
import type { Mounter } from '../../src/storage/connection/storage-server.js';
import { StorageService } from '../../src/storage/storage-service.js';

export interface SanlockDaemon {
  readonly runDir: string;
}

/** An unprivileged sanlock daemon of our own (no watchdog), shut down at teardown. */
export async function startSanlock(t: Tap, dir: string): Promise<SanlockDaemon> {
  const runDir = join(dir, 'sanlock-run');
  await mkdir(runDir, { recursive: true });
  const env = { SANLOCK_PRIVILEGED: '0', SANLOCK_RUN_DIR: runDir };
  await execa('sanlock', ['daemon', '-w', '0', '-U', 'root', '-G', 'root'], { env, timeout: 10_000, stdin: 'ignore' });
  await waitUntil(() => existsSync(join(runDir, 'sanlock.pid')) && existsSync(join(runDir, 'sanlock.sock')), {
    timeoutMs: 10_000,
    what: 'the sanlock socket',
  });
  const pid = Number((await readFile(join(runDir, 'sanlock.pid'), 'utf8')).trim());
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  t.teardown(async () => {
    await execa('sanlock', ['client', 'shutdown', '-f', '1'], { env, reject: false, timeout: 30_000 });
    await waitUntil(() => !alive(), { timeoutMs: 30_000, what: 'sanlock to exit' }).catch(() => {});
  });
  return { runDir };
}

export const NO_MOUNTS: Mounter = {
  mount: () => Promise.reject(new Error('no supervdsmd in this test')),
  umount: () => Promise.reject(new Error('no supervdsmd in this test')),
  listMounts: () => Promise.resolve([]),
};

export function makeService(
  t: Tap,
  options: { repository: string; runDir: string; sanlockRunDir: string; mounter?: Mounter; watchdogMs?: number },
): StorageService {
  const service = new StorageService({
    repository: options.repository,
    runDir: options.runDir,
    mounter: options.mounter ?? NO_MOUNTS,
    sanlockRunDir: options.sanlockRunDir,
    sanlockIoTimeout: 1,
    monitorIntervalMs: 500,
    spmWatchdogIntervalMs: options.watchdogMs ?? 500,
    log: () => {},
  });
  t.teardown(() => service.close());
  return service;
}

/** The real supervdsmd on a private socket, with `repository` as its [irs] repository. */
export async function startSupervdsmd(t: Tap, dir: string, repository: string): Promise<SupervdsmClient> {
  const supervdsmd = await startSupervdsmdProcess({ dir, repository });
  t.teardown(() => supervdsmd.stop());
  const client = new SupervdsmClient({ socketPath: supervdsmd.socket, connectTimeoutMs: 5000 });
  t.teardown(() => client.close());
  return client;
}
