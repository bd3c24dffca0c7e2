import t from 'tap';
import { postgresForTest } from '../helpers/postgres.js';
import { hostLifecycle } from './lifecycle.js';

t.test('host lifecycle on a real PostgreSQL server', async (t) => {
  const server = await postgresForTest(t);
  if (server !== undefined) await hostLifecycle(t, server.url);
});
