/**
 * Crash-safe file replacement, the one every daemon uses: a crash or a failure leaves either the old file or the
 * new one, never a torn file and never a temp file. Each writer gets its own temp name, so concurrent writers to one
 * path cannot write into each other's temp; the last rename wins whole.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** The file's exact mode (the umask does not apply); default 0644. */
  readonly mode?: number;
  /** Create the parent directory (mode 0755) when it is missing. */
  readonly mkdir?: boolean;
}

/** Replaces `path` with `data`: temp in the same directory, write, fsync, rename over `path`, fsync the directory. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  if (options.mkdir === true) await mkdir(dir, { recursive: true, mode: 0o755 });
  const mode = options.mode ?? 0o644;
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // open's mode is filtered by the umask; the file must have exactly this one
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncDir(dir);
}

/** A hidden name next to `path` that no other writer picks: `.<name>.<random>.tmp`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
}

/** Makes a rename or unlink in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
