// Migrations and the DB interface on a private real PostgreSQL server (PGlite: see ../pglite.test.ts).
import t from 'tap';
import { splitStatements } from '../../src/db/migrate.js';
import { openDb } from '../../src/db/open.js';
import { postgresForTest } from '../helpers/postgres.js';
import { exercise } from './exercise.js';

t.test('splitStatements keeps statements whole and drops comments', async (t) => {
  t.same(splitStatements('-- c\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n'), [
    'CREATE TABLE a (x int)',
    'INSERT INTO a VALUES (1)',
  ]);
});

t.test('real PostgreSQL server', async (t) => {
  const server = await postgresForTest(t);
  if (server !== undefined) await exercise(t, () => openDb(server.url));
});
