import { chmod, chown, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';

/** The socket file's life: make room for it, give it to root:<group> 0660, remove it on exit. */

export class SocketInUseError extends Error {
  constructor(readonly path: string) {
    super(`another supervdsmd is serving ${path}; refusing to start`);
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Creates the directory and removes a stale socket left by a dead daemon. A socket something still listens on
 * makes startup fail; any other kind of file is left alone and is an error too.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st === null) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await answers(path)) throw new SocketInUseError(path);
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Root-owned, group-accessible: the vdsm user reaches it through the group. Returns the inode for removal. */
export async function secureSocket(path: string, gid: number): Promise<number> {
  await chown(path, 0, gid);
  await chmod(path, 0o660);
  return (await lstat(path)).ino;
}

/** Removes the socket file if it is still the one this daemon created. */
export async function removeSocket(path: string, ino: number): Promise<void> {
  const st = await lstat(path).catch(() => null);
  if (st?.ino === ino) await unlink(path).catch(() => {});
}
