// Shared set-up for the storage tests: directories on the real disk (sanlock needs O_DIRECT), private sanlock
// daemons, loop-mounted ext4 file systems and supervdsmd on a private socket.

type Tap = { teardown(fn: () => unknown): void };

import { silentLogger } from '@vdsm-ts/common/logging';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { type SanlockDaemon, startSanlockDaemon } from '@vdsm-ts/testing/sanlock-daemon';
import { startSupervdsmdProcess } from '@vdsm-ts/testing/supervdsmd-process';
import type { Mounter } from '../../src/storage/connection/storage-server.js';
import { createStorageServices, type StorageServices } from '../../src/storage/storage-service.js';

/** An unprivileged sanlock daemon of our own (no watchdog), shut down at teardown. */
export async function startSanlock(t: Tap, dir: string): Promise<SanlockDaemon> {
  const sanlock = await startSanlockDaemon(dir);
  t.teardown(() => sanlock.stop().catch(() => {}));
  return sanlock;
}

export const NO_MOUNTS: Mounter = {
  mount: () => Promise.reject(new Error('no supervdsmd in this test')),
  umount: () => Promise.reject(new Error('no supervdsmd in this test')),
  listMounts: () => Promise.resolve([]),
};

export function makeService(
  t: Tap,
  options: { repository: string; runDir: string; sanlockRunDir: string; mounter?: Mounter; watchdogMs?: number },
): StorageServices {
  const service = createStorageServices({
    repository: options.repository,
    runDir: options.runDir,
    mounter: options.mounter ?? NO_MOUNTS,
    sanlockRunDir: options.sanlockRunDir,
    sanlockIoTimeout: 1,
    monitorIntervalMs: 500,
    spmWatchdogIntervalMs: options.watchdogMs ?? 500,
    log: silentLogger(),
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
