/** Upstream's naming of storage-server mount points under `<repository>/mnt` (storage/fileUtils.py, storageServer.py). */
import { posix } from 'node:path';

/** `_` → `__`, then `/` → `_`: `srv:/exp/a_b` → `srv:_exp_a__b`. */
export function transformPath(remotePath: string): string {
  return remotePath.replaceAll('_', '__').replaceAll('/', '_');
}

/** fileUtils.normalize_path: `server:/a//b/` → `server:/a/b`, local paths normalised the same way. */
export function normalizeRemotePath(spec: string): string {
  const colon = spec.indexOf(':/');
  if (colon >= 0) {
    const host = spec.slice(0, colon);
    return `${host}:${posix.normalize(spec.slice(colon + 1)).replace(/(.)\/$/, '$1')}`;
  }
  if (spec.startsWith('/')) return posix.normalize(spec).replace(/(.)\/$/, '$1');
  return spec;
}

export function mountRoot(repository: string): string {
  return posix.join(repository, 'mnt');
}

export function mountPointFor(repository: string, remotePath: string, vfsType: string): string {
  const base = vfsType === 'glusterfs' ? posix.join(mountRoot(repository), 'glusterSD') : mountRoot(repository);
  return posix.join(base, transformPath(normalizeRemotePath(remotePath)));
}
