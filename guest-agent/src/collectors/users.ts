/**
 * active-user: the first (by name) user with a USER_PROCESS record in utmp, as `users` prints them;
 * the literal "None" when nobody is logged in. utmp is read directly (glibc x86-64/aarch64 layout,
 * 384-byte records), so no coreutils are needed.
 */
import { readFile } from 'node:fs/promises';

export const NO_USER = 'None';
const RECORD_SIZE = 384;
const USER_PROCESS = 7;
const UT_USER_OFFSET = 44;
const UT_USER_SIZE = 32;

export function parseUtmpUsers(data: Buffer): string[] {
  const users: string[] = [];
  for (let off = 0; off + RECORD_SIZE <= data.length; off += RECORD_SIZE) {
    if (data.readInt32LE(off) !== USER_PROCESS) continue;
    const raw = data.subarray(off + UT_USER_OFFSET, off + UT_USER_OFFSET + UT_USER_SIZE);
    const end = raw.indexOf(0);
    const name = raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
    if (name !== '') users.push(name);
  }
  return users.sort();
}

export async function activeUser(utmp: string): Promise<string> {
  try {
    return parseUtmpUsers(await readFile(utmp))[0] ?? NO_USER;
  } catch {
    return NO_USER;
  }
}
