/**
 * Task persistence in upstream's format (storage/task.py): one directory per task holding `<id>.task`,
 * `<id>.recover.<n>` and `<id>.result`, each `field = value` lines with `=` in values written as `_eq_`.
 * A file is replaced atomically, the old one kept as `<id>.backup` until the new one is in place.
 */
import { link, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vdsm-ts/common/atomic-write';
import { METADATA_FILE_MODE } from '../constants.js';

export type Fields = Readonly<Record<string, string>>;

export function formatFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} = ${v.replaceAll('=', '_eq_').replaceAll('\n', ' ')}\n`)
    .join('');
}

export function parseFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(' = ');
    if (at < 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + 3).replaceAll('_eq_', '=');
  }
  return out;
}

/**
 * Replaces `name` in the task directory atomically; the old file stays reachable as
 * `<id>.backup` until the rename has put the new one in place (readers never find the file missing).
 */
export async function writeFields(dir: string, id: string, name: string, fields: Fields): Promise<void> {
  const target = join(dir, name);
  const backup = join(dir, `${id}.backup`);
  await rm(backup, { force: true });
  await link(target, backup).catch(() => {});
  await writeFileAtomic(target, formatFields(fields), { mode: METADATA_FILE_MODE });
  await rm(backup, { force: true });
}

export async function readFields(path: string): Promise<Record<string, string>> {
  return parseFields(await readFile(path, 'utf8'));
}

export async function listTaskDirs(tasksDir: string): Promise<string[]> {
  try {
    return await readdir(tasksDir);
  } catch {
    return [];
  }
}
