import { realpath, stat } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { devString, isAtOrUnder, type MountEntry } from './mountinfo.js';

/**
 * What supervdsmd agrees to mount for vdsm, decided before anything runs: the kind of connection a filesystem type
 * belongs to, the source each kind accepts (canonicalised first), and the options each kind allows. The same rules
 * decide whether a mount found below the repository is one supervdsmd could have made.
 */

const invalid = (message: string): SupervdsmError => new SupervdsmError('INVALID_PARAMS', message);

/** Never mounted, whatever the configuration lists: each exposes the host's own state or files. */
const NEVER = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'tmpfs',
  'ramfs',
  'overlay',
  'overlayfs',
  'aufs',
  'bind',
  'rbind',
  'move',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'configfs',
  'bpf',
  'mqueue',
  'hugetlbfs',
  'autofs',
  'pstore',
  'efivarfs',
  'binfmt_misc',
  'fusectl',
  'nsfs',
  'fuse',
  'shiftfs',
]);

export type MountKind = 'nfs' | 'glusterfs' | 'cephfs' | 'block';

/** Filesystems that live on one block device of this host. */
const BLOCK_TYPES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'vfat']);

function kindOfType(vfsType: string): MountKind | undefined {
  if (vfsType === 'nfs' || vfsType === 'nfs4') return 'nfs';
  if (vfsType === 'glusterfs') return 'glusterfs';
  if (vfsType === 'cephfs' || vfsType === 'ceph') return 'cephfs';
  if (BLOCK_TYPES.has(vfsType)) return 'block';
  return undefined;
}

/** The kind of an allowed type, or INVALID_PARAMS naming what is allowed. */
export function mountKind(vfsType: string, allowed: readonly string[]): MountKind {
  const kind = kindOfType(vfsType);
  if (NEVER.has(vfsType) || vfsType.startsWith('fuse.') || !allowed.includes(vfsType) || kind === undefined)
    throw invalid(
      `vfsType ${JSON.stringify(vfsType)} is not allowed (allowed: ${allowed.filter((t) => !NEVER.has(t) && kindOfType(t) !== undefined).join(', ')})`,
    );
  return kind;
}

/** "host:/path" (or "[v6]:/path"); cephfs also takes "mon1,mon2:port:/path". */
const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])`;
const REMOTE_PATH = String.raw`\/(?:[A-Za-z0-9_.@+=-]+\/?)*`;
const NETWORK_SPEC = new RegExp(`^${HOST}:${REMOTE_PATH}$`);
const CEPH_SPEC = new RegExp(String.raw`^(?:${HOST}(?::\d{1,5})?)(?:,${HOST}(?::\d{1,5})?)*:${REMOTE_PATH}$`);
const BLOCK_SPEC = /^\/[A-Za-z0-9_.:@/+=-]{0,1023}$/;

/** Always added, last: nothing on a storage domain is a setuid program or a device node vdsm could use. */
export const FORCED_OPTIONS = ['nosuid', 'nodev', 'noexec'];

/** Option name -> allowed value (null: a flag that takes none). */
type OptionRules = ReadonlyMap<string, RegExp | null>;
const NUM = /^\d{1,9}$/;
const COMMON: Array<[string, RegExp | null]> = [
  ['ro', null],
  ['rw', null],
  ['noatime', null],
  ['relatime', null],
  ['nodiratime', null],
  ['lazytime', null],
  ['sync', null],
  ['async', null],
  ['nosuid', null],
  ['nodev', null],
  ['noexec', null],
  ['_netdev', null],
];
const RULES: Readonly<Record<MountKind, OptionRules>> = {
  nfs: new Map([
    ...COMMON,
    ['soft', null],
    ['hard', null],
    ['softreval', null],
    ['nosharecache', null],
    ['sharecache', null],
    ['intr', null],
    ['nointr', null],
    ['noac', null],
    ['lock', null],
    ['nolock', null],
    ['cto', null],
    ['nocto', null],
    ['timeo', NUM],
    ['retrans', NUM],
    ['retry', NUM],
    ['rsize', NUM],
    ['wsize', NUM],
    ['port', NUM],
    ['actimeo', NUM],
    ['acregmin', NUM],
    ['acregmax', NUM],
    ['acdirmin', NUM],
    ['acdirmax', NUM],
    ['nconnect', NUM],
    ['minorversion', NUM],
    ['nfsvers', /^[234](?:\.[0-2])?$/],
    ['vers', /^[234](?:\.[0-2])?$/],
    ['proto', /^(?:tcp|udp|rdma|tcp6|udp6|rdma6)$/],
    ['sec', /^(?:sys|none|krb5|krb5i|krb5p)(?::(?:sys|none|krb5|krb5i|krb5p))*$/],
    ['lookupcache', /^(?:all|none|pos|positive)$/],
    ['local_lock', /^(?:all|flock|posix|none)$/],
    ['clientaddr', /^[0-9A-Fa-f:.]{2,45}$/],
    ['addr', /^[0-9A-Fa-f:.]{2,45}$/],
  ]),
  glusterfs: new Map([
    ...COMMON,
    ['acl', null],
    ['backup-volfile-servers', /^[A-Za-z0-9.:[\]-]{1,1000}$/],
    ['backupvolfile-server', /^[A-Za-z0-9.:[\]-]{1,255}$/],
    ['transport', /^(?:tcp|rdma|socket)$/],
    ['log-level', /^(?:CRITICAL|ERROR|WARNING|INFO|DEBUG|TRACE|NONE)$/],
    ['direct-io-mode', /^(?:enable|disable|auto)$/],
    ['attribute-timeout', NUM],
    ['entry-timeout', NUM],
    ['negative-timeout', NUM],
  ]),
  // No secretfile=: root would read any file of vdsm's choosing and send it to a monitor of vdsm's choosing.
  cephfs: new Map([
    ...COMMON,
    ['name', /^[A-Za-z0-9_.-]{1,128}$/],
    ['secret', /^[A-Za-z0-9+/=]{1,256}$/],
    ['fs', /^[A-Za-z0-9_.-]{1,128}$/],
    ['mds_namespace', /^[A-Za-z0-9_.-]{1,128}$/],
    ['recover_session', /^(?:no|clean)$/],
    ['rsize', NUM],
    ['wsize', NUM],
  ]),
  // No errors=panic (a remote crash switch), no loop=/offset=, no context=, no uid=/gid=.
  block: new Map([
    ...COMMON,
    ['discard', null],
    ['nodiscard', null],
    ['acl', null],
    ['noacl', null],
    ['user_xattr', null],
    ['nouser_xattr', null],
    ['inode64', null],
    ['nobarrier', null],
    ['barrier', /^[01]$/],
    ['errors', /^(?:remount-ro|continue)$/],
    ['data', /^(?:ordered|journal|writeback)$/],
    ['commit', NUM],
    ['compress', /^(?:zlib|lzo|zstd|no)(?::\d{1,2})?$/],
    ['space_cache', /^v[12]$/],
    ['subvol', /^[A-Za-z0-9_.@+=-]{1,255}$/],
    ['subvolid', NUM],
    ['logbufs', NUM],
    ['logbsize', /^\d{1,9}[kKmM]?$/],
  ]),
};

/** The options of one mount, each checked against the rules of its kind; FORCED_OPTIONS are added last. */
export function checkOptions(kind: MountKind, options: readonly string[]): string[] {
  const rules = RULES[kind];
  for (const [i, option] of options.entries()) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? undefined : option.slice(eq + 1);
    const rule = rules.get(name);
    const ok = rule !== undefined && (rule === null ? value === undefined : value !== undefined && rule.test(value));
    if (!ok) throw invalid(`options[${i}] ${JSON.stringify(option)} is not allowed for a ${kind} mount`);
  }
  return [...new Set([...options, ...FORCED_OPTIONS])];
}

/** A block device and every name it is known by, so two spellings of one disk compare equal. */
export interface BlockSource {
  readonly path: string;
  readonly dev: string;
}

/**
 * The source as mount(2) will see it. For block kinds the spec is resolved (realpath: `//dev/vda`, `/./dev/vda`
 * and symlinks all become `/dev/vda`) and must be a block device under /dev; network kinds keep their
 * "host:/path" form, checked by pattern.
 */
export async function canonicalSource(
  kind: MountKind,
  spec: string,
): Promise<{ spec: string; block: BlockSource | undefined }> {
  if (kind === 'nfs' || kind === 'glusterfs') {
    if (!NETWORK_SPEC.test(spec) || spec.split('/').includes('..'))
      throw invalid(`spec ${JSON.stringify(spec)} is not a valid ${kind} source (host:/path)`);
    return { spec, block: undefined };
  }
  if (kind === 'cephfs') {
    if (!CEPH_SPEC.test(spec) || spec.split('/').includes('..'))
      throw invalid(`spec ${JSON.stringify(spec)} is not a valid cephfs source (mon[,mon]:/path)`);
    return { spec, block: undefined };
  }
  if (!BLOCK_SPEC.test(spec)) throw invalid(`spec ${JSON.stringify(spec)} is not a device path`);
  const path = await realpath(spec).catch((err: NodeJS.ErrnoException) => {
    throw invalid(`spec ${JSON.stringify(spec)} cannot be resolved: ${err.code ?? err.message}`);
  });
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw invalid(`spec ${JSON.stringify(spec)} cannot be resolved: ${err.code ?? err.message}`);
  });
  if (!path.startsWith('/dev/') || !st.isBlockDevice())
    throw invalid(`spec ${JSON.stringify(spec)} (${path}) is not a block device under /dev`);
  return { spec: path, block: { path, dev: devString(st.rdev) } };
}

/** The device number a mount's source names, when it names a block device ('' otherwise). */
async function sourceDev(entry: MountEntry): Promise<string> {
  if (!entry.source.startsWith('/')) return '';
  try {
    const st = await stat(entry.source);
    return st.isBlockDevice() ? devString(st.rdev) : '';
  } catch {
    return '';
  }
}

/** Mounts of `block` (by st_dev of the mounted filesystem or by its source's st_rdev) outside the repository. */
export async function mountsOutside(
  block: BlockSource,
  mounts: readonly MountEntry[],
  realRoot: string,
): Promise<MountEntry[]> {
  const found: MountEntry[] = [];
  for (const m of mounts) {
    if (isAtOrUnder(realRoot, m.mountPoint) && m.mountPoint !== realRoot) continue;
    if (m.dev === block.dev || m.source === block.path || (await sourceDev(m)) === block.dev) found.push(m);
  }
  return found;
}

/**
 * Whether a mount found below the repository is one supervdsmd would have made: an allowed type, the whole
 * filesystem (not a bind of part of it), nosuid and nodev, FUSE only when root runs it, and for block
 * filesystems a device not also mounted outside the repository.
 */
export async function isOwnMount(
  entry: MountEntry,
  mounts: readonly MountEntry[],
  realRoot: string,
  allowed: readonly string[],
): Promise<boolean> {
  const vfsType = entry.fsType === 'fuse.glusterfs' ? 'glusterfs' : entry.fsType;
  if (NEVER.has(vfsType) || !allowed.includes(vfsType)) return false;
  const kind = kindOfType(vfsType);
  if (kind === undefined) return false;
  const opts = entry.options.split(',');
  if (!opts.includes('nosuid') || !opts.includes('nodev')) return false;
  if (entry.fsType.startsWith('fuse') && !entry.superOptions.split(',').includes('user_id=0')) return false;
  if (kind !== 'block') return true;
  if (entry.root !== '/') return false;
  const outside = mounts.filter(
    (m) => m.dev === entry.dev && !(isAtOrUnder(realRoot, m.mountPoint) && m.mountPoint !== realRoot),
  );
  return outside.length === 0;
}
