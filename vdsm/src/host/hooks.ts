/**
 * The installed hook scripts (upstream common/hooks.py installed()): per hook directory under the hooks root,
 * every executable file with the SHA-256 of its content. vdsm-ts runs no hooks yet; the report still shows what
 * an administrator installed, and an absent root means none.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listDir } from './procfs.js';

/** Upstream's hooks root (P_VDSM_HOOKS). */
export const HOOKS_DIR = '/usr/libexec/vdsm/hooks';

export type InstalledHooks = Record<string, Record<string, { checksum: string }>>;

async function executableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function installedHooks(root = HOOKS_DIR): Promise<InstalledHooks> {
  const out: InstalledHooks = {};
  for (const dir of (await listDir(root)).sort()) {
    const scripts: Record<string, { checksum: string }> = {};
    for (const name of (await listDir(join(root, dir))).sort()) {
      const path = join(root, dir, name);
      if (!(await executableFile(path))) continue;
      const content = await readFile(path).catch(() => undefined);
      scripts[name] = { checksum: content === undefined ? '' : createHash('sha256').update(content).digest('hex') };
    }
    if (Object.keys(scripts).length > 0) out[dir] = scripts;
  }
  return out;
}
