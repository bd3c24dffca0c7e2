import { readFile, stat } from 'node:fs/promises';
import { run } from './exec.js';
import { devString } from './mountinfo.js';

/**
 * The host's own filesystems that need not be mounted right now (a `noauto` /boot, an EFI partition, a backup
 * disk): every entry of /etc/fstab. A block device one of them names is the host's, not an unused device vdsm may
 * mount under the repository. Entries name devices by path or by tag (UUID=, LABEL=, PARTUUID=, PARTLABEL=); tags
 * are compared with what blkid reads from the candidate device, so no udev /dev/disk links are needed.
 */

export const FSTAB = '/etc/fstab';
const TAGS = ['UUID', 'LABEL', 'PARTUUID', 'PARTLABEL'] as const;

/** fstab escapes space, tab, newline and backslash as \ooo, like mountinfo. */
const unescapeOctal = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

/** The first field of every fstab entry. */
export function fstabSources(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => unescapeOctal(line.split(/\s+/)[0] as string));
}

/** The fstab entry that names `device` (whose st_rdev is `dev`), or undefined. */
export async function fstabEntryFor(
  device: string,
  dev: string,
  timeoutMs: number,
  fstab = FSTAB,
): Promise<string | undefined> {
  const sources = fstabSources(await readFile(fstab, 'utf8').catch(() => ''));
  for (const source of sources.filter((s) => s.startsWith('/'))) {
    const st = await stat(source).catch(() => undefined);
    if (st?.isBlockDevice() === true && devString(st.rdev) === dev) return source;
  }
  const tagged = sources.filter((s) => TAGS.some((tag) => s.startsWith(`${tag}=`)));
  if (tagged.length === 0) return undefined;
  // blkid exits 2 when the device carries no tags at all.
  const out = await run(['blkid', '-c', '/dev/null', '-o', 'export', device], { timeoutMs }).catch(() => '');
  const tags = new Set(
    out
      .split('\n')
      .filter((line) => TAGS.some((tag) => line.startsWith(`${tag}=`)))
      .map((line) => line.trim()),
  );
  return tagged.find((s) => tags.has(s.replace(/^(\w+)="?([^"]*)"?$/, '$1=$2')));
}
