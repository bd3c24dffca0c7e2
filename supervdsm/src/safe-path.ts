import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, readlink, realpath, rmdir } from 'node:fs/promises';
import { isAbsolute, normalize, posix, relative } from 'node:path';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { isAtOrUnder } from './mountinfo.js';

/**
 * Opening a path below the repository one component at a time, each relative to the descriptor of the directory
 * before it and never following a symlink the kernel would resolve on its own. The repository belongs to the vdsm
 * user, who can swap any directory in it for a symlink at any moment; a check on a path string followed by a call
 * on the same string would let that swap lead the call out of the repository. Here the checks and the calls work
 * on one opened object, named for child processes and path syscalls as /proc/<pid>/fd/<n>.
 */

/** O_PATH from <fcntl.h> (Linux x86, arm, riscv); Node does not export it. Opens without reading or side effects. */
const O_PATH = 0o10000000;
const MAX_SYMLINKS = 40;

const invalid = (message: string): SupervdsmError => new SupervdsmError('INVALID_PARAMS', message);

export interface HeldPath {
  /** Names exactly the opened object (magic link), for child processes and path-taking syscalls. */
  readonly procPath: string;
  /** Where the kernel says the object is now. */
  readonly realPath: string;
  /** Mount id of the object and of every directory passed on the way from the repository root. */
  readonly mountIds: readonly number[];
  readonly isDirectory: boolean;
  readonly isFile: boolean;
  /** Hard links of the object (st_nlink). */
  readonly links: number;
  /** The parent directory held open, and the last component's name: for calls that must not pin the object. */
  readonly parentProcPath: string;
  readonly name: string;
  /** Removes the directories this open created (deepest first), through their held parents. */
  removeCreated(): Promise<void>;
  /** Closes the descriptor of the object itself (keeping its parent's), e.g. so that it does not pin a mount. */
  closeObject(): Promise<void>;
  close(): Promise<void>;
}

const fdPath = (h: FileHandle): string => `/proc/${process.pid}/fd/${h.fd}`;

async function mountIdOf(h: FileHandle): Promise<number> {
  const info = await readFile(`/proc/self/fdinfo/${h.fd}`, 'utf8');
  const m = /^mnt_id:\s*(\d+)$/m.exec(info);
  if (m === null) throw new SupervdsmError('INTERNAL', 'no mnt_id in fdinfo');
  return Number(m[1]);
}

/** The canonical repository root; a missing one is NOT_AVAILABLE. */
export async function realRoot(root: string): Promise<string> {
  return realpath(root).catch(() => {
    throw new SupervdsmError('NOT_AVAILABLE', `repository ${root} does not exist`);
  });
}

/**
 * Opens `path` (already checked to lie lexically below `root`) so that it cannot resolve outside `root`:
 * symlinks are followed only while they stay inside, by this walk rather than the kernel. With `createDirs`, missing
 * directories are created (mode 0755) and the object must be a directory.
 */
export async function openUnder(
  root: string,
  path: string,
  key: string,
  options: { createDirs?: boolean; directory?: boolean } = {},
): Promise<HeldPath> {
  const top = await realRoot(root);
  const held: FileHandle[] = [];
  const created: Array<{ parent: FileHandle; name: string }> = [];
  const closeAll = async (): Promise<void> => {
    for (const h of held.splice(0).reverse()) await h.close().catch(() => {});
  };
  const outside = (): SupervdsmError =>
    invalid(`${key} ${JSON.stringify(path)} resolves outside the repository ${root}`);
  /** A path (absolute, or relative to the repository) as components below the canonical root, or refused. */
  const componentsOf = (p: string): string[] => {
    const abs = normalize(isAbsolute(p) ? p : `${top}/${p}`);
    for (const base of [top, normalize(root)]) {
      if (isAtOrUnder(base, abs)) {
        const rel = relative(base, abs);
        return rel === '' ? [] : rel.split('/');
      }
    }
    throw outside();
  };
  try {
    let dir = await open(top, O_PATH | constants.O_DIRECTORY);
    held.push(dir);
    let here = top;
    const mountIds = [await mountIdOf(dir)];
    let todo = componentsOf(path);
    if (todo.length === 0) throw invalid(`${key} ${JSON.stringify(path)} is the repository itself`);
    let links = 0;
    while (todo.length > 0) {
      const name = todo.shift() as string;
      const last = todo.length === 0;
      const next = `${fdPath(dir)}/${name}`;
      let h: FileHandle;
      try {
        h = await open(next, O_PATH | constants.O_NOFOLLOW);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || options.createDirs !== true) {
          throw invalid(`${key} ${JSON.stringify(path)} cannot be opened: ${(err as NodeJS.ErrnoException).code}`);
        }
        await mkdir(next, { mode: 0o755 });
        created.push({ parent: dir, name });
        h = await open(next, O_PATH | constants.O_NOFOLLOW);
      }
      held.push(h);
      const st = await h.stat();
      if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw invalid(`${key} ${JSON.stringify(path)}: too many symlinks`);
        const target = await readlink(next);
        // Start over from the root with the link's target in place of the link; '..' is resolved lexically, and
        // every component is opened again, so the result is reached through real directories inside the root.
        todo = [...componentsOf(isAbsolute(target) ? target : posix.join(here, target)), ...todo];
        if (todo.length === 0) throw outside();
        dir = held[0] as FileHandle;
        here = top;
        mountIds.splice(1);
        continue;
      }
      mountIds.push(await mountIdOf(h));
      if (!last) {
        if (!st.isDirectory()) throw invalid(`${key} ${JSON.stringify(path)}: ${name} is not a directory`);
        dir = h;
        here = `${here}/${name}`;
        continue;
      }
      if ((options.createDirs === true || options.directory === true) && !st.isDirectory())
        throw invalid(`${key} ${JSON.stringify(path)} is not a directory`);
      const procPath = fdPath(h);
      const realPath = await readlink(procPath);
      if (!isAtOrUnder(top, realPath) || realPath === top) throw outside();
      return {
        procPath,
        realPath,
        mountIds,
        isDirectory: st.isDirectory(),
        isFile: st.isFile(),
        links: st.nlink,
        parentProcPath: fdPath(dir),
        name,
        removeCreated: async () => {
          for (const c of created.splice(0).reverse()) await rmdir(`${fdPath(c.parent)}/${c.name}`).catch(() => {});
        },
        closeObject: async () => {
          const i = held.indexOf(h);
          if (i >= 0) held.splice(i, 1);
          await h.close();
        },
        close: closeAll,
      };
    }
    throw outside();
  } catch (err) {
    for (const c of created.reverse()) await rmdir(`${fdPath(c.parent)}/${c.name}`).catch(() => {});
    await closeAll();
    // A race with the vdsm user's own changes (EEXIST, ENOENT, ENOTDIR) is bad input, not a daemon failure.
    if (err instanceof SupervdsmError) throw err;
    throw invalid(`${key} ${JSON.stringify(path)} cannot be opened: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
