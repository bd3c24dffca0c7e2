/**
 * disks-usage: every mounted filesystem (from /proc/mounts, minus ignored types and, optionally, zero-size
 * ones) with its size and use, plus the disk serial → device node mapping from /sys/block.
 */
import { readdir, readFile, readlink, statfs } from 'node:fs/promises';
import type { DiskMapping, DiskUsage } from '../protocol/messages.js';

export interface MountEntry {
  readonly device: string;
  readonly path: string;
  readonly fs: string;
}

/** /proc/mounts escapes space, tab, newline and backslash as \ooo octal. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, path, fs] = line.split(' ');
    if (device === undefined || path === undefined || fs === undefined) continue;
    out.push({ device: unescapeMountField(device), path: unescapeMountField(path), fs });
  }
  return out;
}

export async function disksUsage(
  ignoredFs: readonly string[],
  ignoreZeroSize: boolean,
  mountsFile = '/proc/mounts',
): Promise<DiskUsage[]> {
  const mounts = parseMounts(await readFile(mountsFile, 'utf8'));
  const ignored = new Set(ignoredFs);
  const out: DiskUsage[] = [];
  for (const m of mounts) {
    if (ignored.has(m.fs)) continue;
    try {
      const st = await statfs(m.path);
      const total = st.bsize * st.blocks;
      if (ignoreZeroSize && total === 0) continue;
      out.push({ path: m.path, fs: m.fs, total, used: total - st.bsize * st.bfree });
    } catch {
      // unmounted meanwhile, or not ours to stat
    }
  }
  return out;
}

/** serial → {name: /dev/<disk>} for disks that expose a serial (virtio-blk `serial`, SCSI by-id). */
export async function diskMapping(sysBlock = '/sys/block', byId = '/dev/disk/by-id'): Promise<DiskMapping> {
  const mapping: DiskMapping = {};
  for (const disk of await readdir(sysBlock).catch(() => [] as string[])) {
    for (const attr of ['serial', 'device/serial']) {
      const serial = (await readFile(`${sysBlock}/${disk}/${attr}`, 'utf8').catch(() => '')).trim();
      if (serial !== '') {
        mapping[serial] = { name: `/dev/${disk}` };
        break;
      }
    }
  }
  // QEMU SCSI disks: /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_<serial> → ../../sdX
  for (const link of await readdir(byId).catch(() => [] as string[])) {
    const m = /^scsi-0QEMU_QEMU_HARDDISK_(.+)$/.exec(link);
    if (m?.[1] === undefined || link.includes('-part')) continue;
    const target = await readlink(`${byId}/${link}`).catch(() => '');
    const dev = target.split('/').pop();
    if (dev !== undefined && dev !== '') mapping[m[1]] ??= { name: `/dev/${dev}` };
  }
  return mapping;
}
