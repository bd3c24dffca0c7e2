// Everything that needs embedded PGlite, in one process: PGlite compiles its WASM once per process (20-30 s on a
// busy 2-core machine), after which opening a data directory takes about 2 s.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import t from 'tap';
import { openDb } from '../src/db/open.js';
import { dataCenters } from '../src/db/repo/datacenters.js';
import { exercise } from './db/exercise.js';
import { freshPgliteDir } from './helpers/pglite.js';
import { hostLifecycle } from './hosts/lifecycle.js';

t.test('migrations and the DB interface on PGlite in a data directory', async (t) => {
  const dir = await freshPgliteDir();
  t.teardown(() => rm(dirname(dir), { recursive: true, force: true }));
  await exercise(t, () => openDb(dir));
  // reopen: the data directory kept everything
  const again = await openDb(`pglite:${dir}`);
  t.equal((await dataCenters.list(again)).length, 1, 'data survives a reopen');
  await again.close();
});

t.test('host lifecycle on embedded PGlite', async (t) => {
  const dir = await freshPgliteDir();
  t.teardown(() => rm(dirname(dir), { recursive: true, force: true }));
  await hostLifecycle(t, `pglite:${dir}`);
});
