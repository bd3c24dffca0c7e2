import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/**
 * `postgres://…` / `postgresql://…` opens a PostgreSQL server; anything else is a PGlite data directory
 * (`pglite:DIR` or a plain path). The schema is brought up to date before the handle is returned.
 */
export async function openDb(spec: string): Promise<Db> {
  const db = /^postgres(ql)?:\/\//.test(spec)
    ? await openPostgres(spec)
    : await openPglite(spec.startsWith('pglite:') ? spec.slice('pglite:'.length) : spec);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
