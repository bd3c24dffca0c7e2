import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import type { MountKind } from '../mount-policy.js';
import type { OpContext } from './handler.js';

/**
 * The mount(8) calls of one mount onto a held target (a /proc/PID/fd/N name, see ../safe-path.ts). mount(8) itself
 * passes that name to mount(2) untouched with --no-canonicalize, but the helpers of the network kinds (mount.nfs,
 * mount.glusterfs, mount.ceph) resolve it back into a path string first, which the vdsm user could redirect in the
 * meantime. Those kinds are therefore mounted in a staging directory only root can reach and then moved onto the
 * held target by mount(2) itself.
 */

/** Upstream's [irs] nfs_mount_options default; the engine's timeo/retrans/vers come in `options`. */
const NFS_DEFAULT_OPTIONS = ['soft', 'nosharecache'];
/** Root-owned and not writable by anyone else, unlike the repository or /run/vdsm. */
const STAGING_PARENT = '/run';
const HELPER_KINDS: ReadonlySet<MountKind> = new Set(['nfs', 'glusterfs', 'cephfs']);
/** Cleanup runs even when the request was cancelled, with a budget of its own. */
const CLEANUP = { timeoutMs: 10_000 };

/** The mount(8) command line for one mount (exported for the NFS/gluster cases no test host can mount). */
export function mountArgv(vfsType: string, spec: string, target: string, options: readonly string[]): string[] {
  const opts = vfsType === 'nfs' || vfsType === 'nfs4' ? [...new Set([...NFS_DEFAULT_OPTIONS, ...options])] : options;
  return [
    'mount',
    '--no-canonicalize',
    '-t',
    vfsType,
    ...(opts.length > 0 ? ['-o', opts.join(',')] : []),
    spec,
    target,
  ];
}

export async function mountOnHeld(
  kind: MountKind,
  vfsType: string,
  spec: string,
  options: readonly string[],
  heldTarget: string,
  ctx: OpContext,
): Promise<void> {
  const limits = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
  if (!HELPER_KINDS.has(kind)) {
    await run(mountArgv(vfsType, spec, heldTarget, options), limits);
    return;
  }
  // Named by the daemon's pid, so that what one daemon leaves behind can be told from another's.
  const stage = await mkdtemp(join(STAGING_PARENT, `supervdsmd-stage-${process.pid}-`));
  const inner = join(stage, 'm');
  await mkdir(inner, { mode: 0o700 });
  let bound = false;
  let staged = false;
  try {
    // A private mount of its own: a mount below a shared one (systemd makes / shared) cannot be moved.
    await run(['mount', '--bind', stage, stage], limits);
    bound = true;
    await run(['mount', '--make-private', stage], limits);
    await run(mountArgv(vfsType, spec, inner, options), limits);
    staged = true;
    await run(['mount', '--no-canonicalize', '--move', inner, heldTarget], limits);
    staged = false;
  } finally {
    if (staged) await run(['umount', '-l', inner], CLEANUP).catch(() => {});
    if (bound) await run(['umount', '-l', stage], CLEANUP).catch(() => {});
    await rmdir(inner).catch(() => {});
    await rmdir(stage).catch(() => {});
  }
}
