// The migration and DB-interface checks both backends run (db/migrate.test.ts on PostgreSQL, pglite.test.ts on PGlite).
import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { Db } from '../../src/db/db.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { dataCenters } from '../../src/db/repo/datacenters.js';
import { BLANK_TEMPLATE_ID, templates } from '../../src/db/repo/templates.js';

export async function exercise(t: Test, open: () => Promise<Db>) {
  const db = await open();
  const all = await loadMigrations();
  t.ok(all.length >= 1, 'migrations found on disk');
  const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  t.same(
    rows.map((r) => r.version),
    all.map((m) => m.version),
    'every migration recorded once',
  );
  t.same(await migrate(db), [], 're-running applies nothing');
  const blank = await templates.get(db, BLANK_TEMPLATE_ID);
  t.equal(blank?.name, 'Blank', 'built-in Blank template');

  await dataCenters.insert(db, { id: randomUUID(), name: 'dc1', description: '', compatVersion: '4.7' });
  const dupe = await dataCenters
    .insert(db, { id: randomUUID(), name: 'dc1', description: '', compatVersion: '4.7' })
    .then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
  t.equal(dupe, '23505', 'unique violation carries SQLSTATE 23505');
  const fk = await db
    .query('INSERT INTO clusters (id, name, datacenter_id, cpu_type) VALUES ($1, $2, $3, $4)', [
      randomUUID(),
      'c',
      randomUUID(),
      'AMD EPYC',
    ])
    .then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
  t.equal(fk, '23503', 'foreign-key violation carries SQLSTATE 23503');

  await t.rejects(
    db.transaction(async (tx) => {
      await tx.query("INSERT INTO datacenters (id, name) VALUES ($1, 'rolled-back')", [randomUUID()]);
      throw new Error('abort');
    }),
    /abort/,
  );
  t.equal((await dataCenters.list(db)).filter((d) => d.name === 'rolled-back').length, 0, 'transaction rolled back');

  await db.query('INSERT INTO schema_migrations (version, name) VALUES (9999, $1)', ['from-the-future']);
  await t.rejects(migrate(db), /newer schema/, 'refuses a database written by a newer engine-lite');
  await db.query('DELETE FROM schema_migrations WHERE version = 9999');
  await db.close();
}
