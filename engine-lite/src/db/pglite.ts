/** Embedded PostgreSQL (PGlite, WASM) in a data directory: engine-lite runs with nothing else installed. */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { type Db, type Queryable, rowsQueryable } from './db.js';

export async function openPglite(dataDir: string): Promise<Db> {
  await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  const asQueryable = (q: Pick<PGlite, 'query'>): Queryable => rowsQueryable((sql, params) => q.query(sql, params));
  const base = asQueryable(pg);
  return {
    kind: 'pglite',
    query: base.query,
    async exec(sql) {
      await pg.exec(sql);
    },
    transaction(work) {
      return pg.transaction((tx) => work(asQueryable(tx)));
    },
    close: () => pg.close(),
  };
}
