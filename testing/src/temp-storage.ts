/**
 * Scratch storage for tests, each piece removed at the test's teardown: temporary directories, directories on the
 * real disk (sanlock leases and `dd iflag=direct` need O_DIRECT, which tmpfs refuses), loop devices and
 * loop-mounted ext4 file systems. The loop helpers need root.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rmdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Teardown } from './teardown.js';

export type { Teardown } from './teardown.js';

const COMMAND_TIMEOUT_MS = 60_000;

export interface TempDirOptions {
  /** e.g. 0o755 when other users (vdsm, qemu, a daemon's client) must traverse it. */
  readonly mode?: number;
  /** Where it is made; the OS temporary directory when absent. */
  readonly parent?: string;
}

/** A fresh directory, removed with everything in it at teardown. */
export async function tempDir(t: Teardown, prefix: string, options: TempDirOptions = {}): Promise<string> {
  const parent = options.parent ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, prefix));
  if (options.mode !== undefined) await chmod(dir, options.mode);
  t.teardown(() => removeTree(dir));
  return dir;
}

/** The mount points (from /proc/self/mountinfo, octal escapes decoded) that are `dir` or lie below it. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) =>
      (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
    )
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

/**
 * rm -r that never deletes a file system it did not make: everything mounted below `dir` is unmounted first
 * (deepest first, lazily), and the walk refuses to cross onto another device, so a mount that would not go away
 * (or appeared meanwhile) makes it throw instead of emptying a host file system mounted under a test directory.
 */
export async function removeTree(dir: string): Promise<void> {
  const top = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (top === undefined) return;
  for (let round = 0; ; round++) {
    const mounts = await mountsUnder(dir);
    if (mounts.length === 0) break;
    if (round === 5) throw new Error(`${dir} still has mounts below it (${mounts.join(', ')}); not removed`);
    for (const mountPoint of mounts.sort((a, b) => b.length - a.length))
      await execa('umount', ['-l', mountPoint], { reject: false, timeout: COMMAND_TIMEOUT_MS });
  }
  await removeOnDevice(dir, (await lstat(dir)).dev);
}

async function removeOnDevice(path: string, device: number): Promise<void> {
  const stat = await lstat(path);
  if (stat.dev !== device) throw new Error(`${path} is on another file system; not removed`);
  if (!stat.isDirectory()) return unlink(path);
  for (const name of await readdir(path)) await removeOnDevice(join(path, name), device);
  await rmdir(path);
}

/** A directory on the real disk (/var/tmp, not tmpfs), mode 0755. */
export function diskDir(t: Teardown, prefix: string): Promise<string> {
  return tempDir(t, `vdsm-ts-${prefix}-`, { parent: '/var/tmp', mode: 0o755 });
}

/** A sparse file of `sizeMiB` attached to a free loop device; the device is detached at teardown. */
export async function loopDevice(t: Teardown, file: string, sizeMiB: number): Promise<string> {
  await execa('truncate', ['-s', `${sizeMiB}M`, file], { timeout: COMMAND_TIMEOUT_MS });
  const device = (await execa('losetup', ['--show', '-f', file], { timeout: COMMAND_TIMEOUT_MS })).stdout.trim();
  t.teardown(() => execa('losetup', ['-d', device], { reject: false, timeout: COMMAND_TIMEOUT_MS }));
  return device;
}

/** A fresh ext4 in `<dir>/<name>.img`, loop-mounted at `<dir>/<name>`; unmounted (lazily) at teardown. */
export async function ext4Mount(
  t: Teardown,
  dir: string,
  name: string,
  sizeMiB: number,
): Promise<{ image: string; mountPoint: string }> {
  const image = join(dir, `${name}.img`);
  const mountPoint = join(dir, name);
  await execa('truncate', ['-s', `${sizeMiB}M`, image], { timeout: COMMAND_TIMEOUT_MS });
  await execa('mkfs.ext4', ['-q', '-F', '-m', '0', image], { timeout: COMMAND_TIMEOUT_MS });
  await mkdir(mountPoint, { recursive: true });
  await execa('mount', ['-o', 'loop', image, mountPoint], { timeout: COMMAND_TIMEOUT_MS });
  t.teardown(() => execa('umount', ['-l', mountPoint], { reject: false, timeout: COMMAND_TIMEOUT_MS }));
  return { image, mountPoint };
}
