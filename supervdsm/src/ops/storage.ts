import { chmod, chown } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { BlockDevice, MountInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { run } from '../exec.js';
import { FSTAB, fstabEntryFor } from '../host-filesystems.js';
import { canonicalSource, checkOptions, isOwnMount, mountKind, mountsOutside } from '../mount-policy.js';
import { isAtOrUnder, readMountinfo } from '../mountinfo.js';
import { type HeldPath, openUnder, realRoot } from '../safe-path.js';
import { fields, int, MOUNT_OPTION, optBool, optInt, pathUnder, str, strList, VFS_TYPE } from '../validate.js';
import type { HandlerSet, OpContext } from './handler.js';
import { mountOnHeld } from './mount-command.js';

/**
 * Mounts under the repository, file ownership of images, and the host's block devices. What may be mounted and
 * how is decided in ../mount-policy.ts; paths are opened through ../safe-path.ts so that no symlink the vdsm user
 * swaps in can lead a mount, an unmount or a chown out of the repository (README: threat model).
 */

const MAX_ID = 0xfffffffe;

interface FindmntRow {
  target?: string;
  source?: string;
  fstype?: string;
  options?: string;
}

async function findmnt(args: readonly string[], ctx: OpContext): Promise<MountInfo[]> {
  const out = await run(['findmnt', '--json', '--list', '-o', 'TARGET,SOURCE,FSTYPE,OPTIONS', ...args], {
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    okExitCodes: [0, 1],
  });
  // findmnt exits 1, printing nothing, when nothing matches
  if (out.trim() === '') return [];
  const rows = (JSON.parse(out) as { filesystems?: FindmntRow[] }).filesystems ?? [];
  return rows.map((r) => ({
    target: r.target ?? '',
    source: r.source ?? '',
    fstype: r.fstype ?? '',
    options: r.options ?? '',
  }));
}

/** One mount or unmount at a time per target: the check that a directory is a mount point holds until it runs. */
const busyTargets = new Map<string, Promise<unknown>>();
async function oneAtATime<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const before = busyTargets.get(target) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(fn);
  busyTargets.set(target, mine);
  try {
    return await mine;
  } finally {
    if (busyTargets.get(target) === mine) busyTargets.delete(target);
  }
}

/** Every mount passed on the way to a held path, below the repository's own, must be one supervdsmd would make. */
async function refuseForeignMounts(held: HeldPath, key: string, ctx: OpContext): Promise<void> {
  const mounts = await readMountinfo();
  const top = await realRoot(ctx.config.irs.repository);
  const [rootMount, ...below] = held.mountIds;
  for (const id of new Set(below)) {
    if (id === rootMount) continue;
    const entry = mounts.find((m) => m.id === id);
    if (entry === undefined || !(await isOwnMount(entry, mounts, top, ctx.config.irs.posixfs_allowed_types)))
      throw new SupervdsmError(
        'INVALID_PARAMS',
        `${key} ${held.realPath} crosses the mount at ${entry?.mountPoint ?? `id ${id}`} (${entry?.fsType ?? '?'}), which supervdsmd did not make`,
      );
  }
}

export const storageHandlers: HandlerSet<'mount' | 'umount' | 'listMounts' | 'setOwnership' | 'listBlockDevices'> = {
  mount: async (params, ctx) => {
    const p = fields(params, ['spec', 'target', 'vfsType', 'options']);
    const root = ctx.config.irs.repository;
    const target = pathUnder(p, 'target', root);
    const vfsType = str(p, 'vfsType', VFS_TYPE, 'filesystem type');
    const kind = mountKind(vfsType, ctx.config.irs.posixfs_allowed_types);
    const options = checkOptions(kind, strList(p, 'options', MOUNT_OPTION, 'mount option', false));
    const { spec, block } = await canonicalSource(kind, str(p, 'spec'));
    const top = await realRoot(root);
    if (block !== undefined) {
      const [elsewhere] = await mountsOutside(block, await readMountinfo(), top);
      if (elsewhere !== undefined)
        throw new SupervdsmError(
          'INVALID_PARAMS',
          `spec ${JSON.stringify(str(p, 'spec'))} (${block.path}) is mounted at ${elsewhere.mountPoint}, outside the repository`,
        );
      const named = await fstabEntryFor(block.path, block.dev, ctx.timeoutMs);
      if (named !== undefined)
        throw new SupervdsmError(
          'INVALID_PARAMS',
          `spec ${JSON.stringify(str(p, 'spec'))} (${block.path}) is the host's own filesystem ${named} in ${FSTAB}`,
        );
    }
    const held = await openUnder(root, target, 'target', { createDirs: true });
    try {
      return await oneAtATime(held.realPath, async () => {
        const mounts = await readMountinfo();
        if (mounts.some((m) => m.mountPoint === held.realPath))
          throw new SupervdsmError('INVALID_PARAMS', `target ${held.realPath} is already a mount point`);
        await refuseForeignMounts(held, 'target', ctx);
        await mountOnHeld(kind, vfsType, spec, options, held.procPath, ctx);
        const [info] = await findmnt(['--mountpoint', held.realPath], ctx);
        if (info === undefined)
          throw new SupervdsmError('COMMAND_FAILED', `mount succeeded but ${held.realPath} is not mounted`);
        return info;
      });
    } catch (err) {
      // A failed mount leaves nothing behind: the directories this call created go again.
      await held.removeCreated();
      throw err;
    } finally {
      await held.close();
    }
  },
  umount: async (params, ctx) => {
    const p = fields(params, ['target', 'force', 'lazy']);
    const root = ctx.config.irs.repository;
    const flags = [...(optBool(p, 'force') === true ? ['-f'] : []), ...(optBool(p, 'lazy') === true ? ['-l'] : [])];
    const held = await openUnder(root, pathUnder(p, 'target', root), 'target', { directory: true });
    try {
      await oneAtATime(held.realPath, async () => {
        const mounts = await readMountinfo();
        const entry = mounts.find((m) => m.id === held.mountIds.at(-1));
        if (entry === undefined || entry.mountPoint !== held.realPath)
          throw new SupervdsmError('INVALID_PARAMS', `${held.realPath} is not a mount point`);
        // Only what supervdsmd mounts: a FUSE mount of the vdsm user's own could vanish under this call and leave
        // a symlink where the mount point was.
        const top = await realRoot(root);
        if (!(await isOwnMount(entry, mounts, top, ctx.config.irs.posixfs_allowed_types)))
          throw new SupervdsmError(
            'INVALID_PARAMS',
            `${held.realPath} is a ${entry.fsType} mount supervdsmd did not make; it is not unmounted`,
          );
        // Named through the held parent: a descriptor on the mount itself would keep it busy. The name cannot be
        // renamed or replaced while it is a mount point, and only this queue unmounts it.
        await held.closeObject();
        await run(['umount', '--no-canonicalize', ...flags, `${held.parentProcPath}/${held.name}`], {
          timeoutMs: ctx.timeoutMs,
          signal: ctx.signal,
        });
      });
    } finally {
      await held.close();
    }
    return null;
  },
  listMounts: async (params, ctx) => {
    fields(params, []);
    const root = ctx.config.irs.repository;
    return (await findmnt([], ctx)).filter((m) => isAtOrUnder(root, m.target) && m.target !== root);
  },
  setOwnership: async (params, ctx) => {
    const p = fields(params, ['path', 'uid', 'gid', 'mode']);
    const root = ctx.config.irs.repository;
    const path = pathUnder(p, 'path', root);
    const uid = int(p, 'uid', 0, MAX_ID);
    const gid = int(p, 'gid', 0, MAX_ID);
    // Image files need no setuid, setgid or sticky bits; refusing them keeps this from minting a root shell.
    const mode = optInt(p, 'mode', 0, 0o777);
    const held = await openUnder(root, path, 'path');
    try {
      if (!held.isFile && !held.isDirectory)
        throw new SupervdsmError('INVALID_PARAMS', `path ${held.realPath} is not a regular file or directory`);
      // A second name of a file may be a hard link the vdsm user made to a file of the host's.
      if (held.isFile && held.links > 1)
        throw new SupervdsmError('INVALID_PARAMS', `path ${held.realPath} has ${held.links} hard links`);
      await refuseForeignMounts(held, 'path', ctx);
      // Through the held object's /proc name: the very file checked above, whatever the path names by now.
      await chown(held.procPath, uid, gid);
      if (mode !== undefined) await chmod(held.procPath, mode);
    } finally {
      await held.close();
    }
    return null;
  },
  listBlockDevices: async (params, ctx): Promise<BlockDevice[]> => {
    fields(params, []);
    const columns = 'NAME,PATH,TYPE,SIZE,VENDOR,MODEL,SERIAL,WWN,LOG-SEC';
    const out = await run(['lsblk', '--json', '--bytes', '--nodeps', '-o', columns], {
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    const rows = (JSON.parse(out) as { blockdevices?: Array<Record<string, string | number | null>> }).blockdevices;
    const text = (v: string | number | null | undefined): string =>
      v === null || v === undefined ? '' : String(v).trim();
    return (rows ?? []).map((r) => ({
      name: text(r.name),
      path: text(r.path),
      type: text(r.type),
      size: Number(r.size ?? 0),
      vendor: text(r.vendor),
      model: text(r.model),
      serial: text(r.serial),
      wwn: text(r.wwn),
      logicalSectorSize: Number(r['log-sec'] ?? 0),
    }));
  },
};
