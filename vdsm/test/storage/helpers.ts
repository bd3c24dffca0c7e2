// Shared set-up for the storage tests: directories on the real disk (sanlock needs O_DIRECT), private sanlock
// daemons, loop-mounted ext4 file systems and supervdsmd on a private socket.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

type Tap = { teardown(fn: () => unknown): void };

import { silentLogger } from '@vdsm-ts/common/logging';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import type { Mounter } from '../../src/storage/connection/storage-server.js';
import { createStorageServices, type StorageServices } from '../../src/storage/storage-service.js';

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A directory on the real disk (not tmpfs): lease files need O_DIRECT. */
export async function diskDir(t: Tap, prefix: string): Promise<string> {
  await mkdir('/var/tmp', { recursive: true });
  const dir = await mkdtemp(join('/var/tmp', `vdsm-ts-${prefix}-`));
  await chmod(dir, 0o755);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface SanlockDaemon {
  readonly runDir: string;
}

/** An unprivileged sanlock daemon of our own (no watchdog), shut down at teardown. */
export async function startSanlock(t: Tap, dir: string): Promise<SanlockDaemon> {
  const runDir = join(dir, 'sanlock-run');
  await mkdir(runDir, { recursive: true });
  const env = { SANLOCK_PRIVILEGED: '0', SANLOCK_RUN_DIR: runDir };
  await execa('sanlock', ['daemon', '-w', '0', '-U', 'root', '-G', 'root'], { env, timeout: 10_000, stdin: 'ignore' });
  await until(
    () => existsSync(join(runDir, 'sanlock.pid')) && existsSync(join(runDir, 'sanlock.sock')),
    'the sanlock socket',
    10_000,
  );
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
    await until(() => !alive(), 'sanlock to exit', 30_000).catch(() => {});
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

/** A small ext4 file system in a loop-mounted image file; unmounted at teardown. */
export async function loopExt4(
  t: Tap,
  dir: string,
  name: string,
  sizeMiB: number,
): Promise<{ image: string; mountPoint: string }> {
  const image = join(dir, `${name}.img`);
  const mountPoint = join(dir, name);
  await execa('truncate', ['-s', `${sizeMiB}M`, image]);
  await execa('mkfs.ext4', ['-q', '-F', '-m', '0', image], { timeout: 60_000 });
  await mkdir(mountPoint, { recursive: true });
  await execa('mount', ['-o', 'loop', image, mountPoint], { timeout: 60_000 });
  t.teardown(() => execa('umount', ['-l', mountPoint], { reject: false }));
  return { image, mountPoint };
}

export const SUPERVDSMD = fileURLToPath(new URL('../../../../supervdsm/dist/src/bin/supervdsmd.js', import.meta.url));

/** The real supervdsmd on a private socket, with `repository` as its [irs] repository. */
export async function startSupervdsmd(t: Tap, dir: string, repository: string): Promise<SupervdsmClient> {
  const socket = join(dir, 'svdsm.sock');
  const conf = join(dir, 'supervdsm.conf');
  await writeFile(
    conf,
    `[irs]\nrepository = ${repository}\n\n[supervdsm]\nsocket = ${socket}\nnetconf_dir = ${join(dir, 'netconf')}\n`,
  );
  const child = execa('node', [SUPERVDSMD, '--config', conf], {
    reject: false,
    stdin: 'ignore',
    buffer: false,
    env: { NOTIFY_SOCKET: '' },
  });
  t.teardown(async () => {
    child.kill('SIGTERM');
    await child;
  });
  await until(() => existsSync(socket), 'supervdsmd to listen', 20_000);
  const client = new SupervdsmClient({ socketPath: socket, connectTimeoutMs: 5000 });
  t.teardown(() => client.close());
  return client;
}
