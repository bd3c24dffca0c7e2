import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import t from 'tap';
import { freshPgliteDir } from '../helpers/pglite.js';
import { hostLifecycle } from './lifecycle.js';

t.test('host lifecycle on embedded PGlite', async (t) => {
  const dir = await freshPgliteDir();
  t.teardown(() => rm(dirname(dir), { recursive: true, force: true }));
  await hostLifecycle(t, `pglite:${dir}`);
});
