import { readFile } from 'node:fs/promises';

/**
 * The kernel's own table of mounts (/proc/self/mountinfo): unlike mount(8)'s view it carries each mount's id, its
 * parent and the device number of the mounted filesystem, which is what the mount and ownership checks compare.
 */

export interface MountEntry {
  readonly id: number;
  readonly parentId: number;
  /** st_dev of files on this mount, "major:minor". */
  readonly dev: string;
  /** The directory of the filesystem that is mounted here ("/" unless a bind of a subdirectory). */
  readonly root: string;
  readonly mountPoint: string;
  readonly options: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f.length < sep + 4) continue;
    entries.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      dev: f[2] as string,
      root: unescapeOctal(f[3] as string),
      mountPoint: unescapeOctal(f[4] as string),
      options: f[5] as string,
      fsType: unescapeOctal(f[sep + 1] as string),
      source: unescapeOctal(f[sep + 2] as string),
      superOptions: f[sep + 3] as string,
    });
  }
  return entries;
}

export async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** "major:minor" of a device number as stat(2) returns it (glibc's gnu_dev_major/minor). */
export function devString(rdev: number): string {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return `${major}:${minor}`;
}

/** True when `path` is `root` or lies below it (both canonical). */
export function isAtOrUnder(root: string, path: string): boolean {
  const r = root.replace(/\/+$/, '');
  return path === r || path.startsWith(`${r}/`) || r === '';
}
