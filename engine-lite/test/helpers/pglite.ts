/**
 * A fresh PGlite data directory for a test, copied from a pristine one made once per machine (PGlite's first start
 * runs initdb in WASM: 20-30 s on a busy 2-core box; a copy reopens in ~2 s). The pristine copy is made in a temp
 * dir and renamed into place, so concurrent test files never see a half-made one.
 */
import { cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

async function pgliteVersion(): Promise<string> {
  const pkg = fileURLToPath(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')));
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}

async function pristine(): Promise<string> {
  const dir = join(tmpdir(), `engine-lite-pglite-pristine-${await pgliteVersion()}`);
  if (
    await stat(join(dir, 'PG_VERSION')).then(
      () => true,
      () => false,
    )
  )
    return dir;
  const work = await mkdtemp(join(tmpdir(), 'engine-lite-pglite-init-'));
  const pg = await PGlite.create(join(work, 'data'));
  await pg.close();
  try {
    await rename(join(work, 'data'), dir);
  } catch {
    // another test file won the race: theirs is as good as ours
  }
  await rm(work, { recursive: true, force: true });
  return dir;
}

/** A new directory holding an initialised, empty PGlite database. */
export async function freshPgliteDir(): Promise<string> {
  const source = await pristine();
  const target = await mkdtemp(join(tmpdir(), 'engine-lite-pglite-'));
  await cp(source, join(target, 'db'), { recursive: true });
  return join(target, 'db');
}
