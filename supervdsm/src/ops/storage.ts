import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { BlockDevice, MountInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { run } from '../exec.js';
import {
  absolutePath,
  fields,
  int,
  MOUNT_OPTION,
  optBool,
  optInt,
  pathUnder,
  resolvedUnder,
  str,
  strList,
  VFS_TYPE,
} from '../validate.js';
import type { HandlerSet, OpContext } from './handler.js';

/** Mounts under the repository, file ownership of images, and the host's block devices. */

/** What may be mounted: NFS/gluster "server:/path", a device or directory path; never something flag-like. */
const SPEC = /^[A-Za-z0-9_[/][A-Za-z0-9_.:@/[\]=+-]{0,1023}$/;
/** Upstream's [irs] nfs_mount_options default; the engine's timeo/retrans/vers come in `options`. */
const NFS_DEFAULT_OPTIONS = ['soft', 'nosharecache'];
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

/** The mount(8) command lines for one mount (exported for the NFS/gluster cases no test host can mount). */
export function mountArgv(vfsType: string, spec: string, target: string, options: readonly string[]): string[][] {
  if (vfsType === 'bind') {
    const bind = [['mount', '--bind', spec, target]];
    // A read-only bind mount takes a second, remounting step.
    if (options.includes('ro')) bind.push(['mount', '-o', 'remount,bind,ro', target]);
    return bind;
  }
  const opts = vfsType === 'nfs' ? [...new Set([...NFS_DEFAULT_OPTIONS, ...options])] : [...options];
  return [['mount', '-t', vfsType, ...(opts.length > 0 ? ['-o', opts.join(',')] : []), spec, target]];
}

/**
 * What could put the host's own files under the repository (where setOwnership works) is refused: a bind mount
 * of anything outside the repository, or a second mount of a block device already mounted elsewhere.
 */
async function refuseHostSources(vfsType: string, spec: string, root: string, ctx: OpContext): Promise<void> {
  if (vfsType === 'bind') {
    await resolvedUnder(spec, root, 'spec');
    return;
  }
  if (!spec.startsWith('/dev/')) return;
  const elsewhere = (await findmnt(['--source', spec], ctx)).find((m) => !under(root, m.target));
  if (elsewhere !== undefined)
    throw new SupervdsmError(
      'INVALID_PARAMS',
      `spec ${spec} is mounted at ${elsewhere.target}, outside the repository`,
    );
}

function under(root: string, target: string): boolean {
  return target === root || target.startsWith(`${root.replace(/\/+$/, '')}/`);
}

export const storageHandlers: HandlerSet<'mount' | 'umount' | 'listMounts' | 'setOwnership' | 'listBlockDevices'> = {
  mount: async (params, ctx) => {
    const p = fields(params, ['spec', 'target', 'vfsType', 'options']);
    const root = ctx.config.irs.repository;
    const target = pathUnder(p, 'target', root);
    const vfsType = str(p, 'vfsType', VFS_TYPE, 'filesystem type');
    const spec = vfsType === 'bind' ? absolutePath(p, 'spec') : str(p, 'spec', SPEC, 'mount source');
    const options = strList(p, 'options', MOUNT_OPTION, 'mount option', false);
    const real = await resolvedUnder(target, root, 'target');
    await refuseHostSources(vfsType, spec, root, ctx);
    await mkdir(real, { recursive: true, mode: 0o755 });
    for (const argv of mountArgv(vfsType, spec, real, options)) {
      await run(argv, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    }
    const [info] = await findmnt(['--mountpoint', real], ctx);
    if (info === undefined) throw new SupervdsmError('COMMAND_FAILED', `mount succeeded but ${real} is not mounted`);
    return info;
  },
  umount: async (params, ctx) => {
    const p = fields(params, ['target', 'force', 'lazy']);
    const target = await resolvedUnder(
      pathUnder(p, 'target', ctx.config.irs.repository),
      ctx.config.irs.repository,
      'target',
    );
    const flags = [...(optBool(p, 'force') === true ? ['-f'] : []), ...(optBool(p, 'lazy') === true ? ['-l'] : [])];
    const mounted = await findmnt(['--mountpoint', target], ctx);
    if (mounted.length === 0) throw new SupervdsmError('INVALID_PARAMS', `${target} is not a mount point`);
    await run(['umount', ...flags, target], { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    return null;
  },
  listMounts: async (params, ctx) => {
    fields(params, []);
    const root = ctx.config.irs.repository;
    return (await findmnt([], ctx)).filter((m) => under(root, m.target));
  },
  setOwnership: async (params, ctx) => {
    const p = fields(params, ['path', 'uid', 'gid', 'mode']);
    const root = ctx.config.irs.repository;
    const path = await resolvedUnder(pathUnder(p, 'path', root), root, 'path');
    const uid = int(p, 'uid', 0, MAX_ID);
    const gid = int(p, 'gid', 0, MAX_ID);
    // Image files need no setuid, setgid or sticky bits; refusing them keeps this from minting a root shell.
    const mode = optInt(p, 'mode', 0, 0o777);
    // O_NOFOLLOW and the fd-based calls: a symlink swapped in after the checks cannot redirect the change.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
      (err: NodeJS.ErrnoException) => {
        throw new SupervdsmError('INVALID_PARAMS', `path ${path} cannot be opened: ${err.code ?? err.message}`);
      },
    );
    try {
      const st = await handle.stat();
      if (!st.isFile() && !st.isDirectory())
        throw new SupervdsmError('INVALID_PARAMS', `path ${path} is not a regular file or directory`);
      await handle.chown(uid, gid);
      if (mode !== undefined) await handle.chmod(mode);
    } finally {
      await handle.close();
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
