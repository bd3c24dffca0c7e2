/**
 * Crash-safe file replacement: write a temp file next to the target, fsync it, rename it over the target, fsync
 * the directory. A failed write (ENOSPC, EIO) removes the temp file and leaves the old contents untouched.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; tempSuffix?: string; tempPath?: string } = {},
): Promise<void> {
  const temp = options.tempPath ?? join(dirname(path), `${basename(path)}${options.tempSuffix ?? '.new'}`);
  const handle = await open(temp, 'w', options.mode ?? 0o660);
  try {
    // open's mode is filtered by the umask; the files must have exactly this mode
    await handle.chmod(options.mode ?? 0o660);
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await fsyncDir(dirname(path));
}
