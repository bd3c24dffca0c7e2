/** A real PostgreSQL server through `pg`, same SQL and migrations as the embedded database. */
import pg from 'pg';
import { type Db, type Queryable, rowsQueryable } from './db.js';

// int8 (count(*), bigint columns) as numbers, as PGlite returns them; engine-lite's values stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));

export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // fail now, with the server's reason, instead of on the first request
  const probe = await pool.connect();
  probe.release();
  const asQueryable = (q: pg.Pool | pg.PoolClient): Queryable => rowsQueryable((sql, params) => q.query(sql, params));
  const base = asQueryable(pool);
  return {
    kind: 'postgres',
    query: base.query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(asQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
