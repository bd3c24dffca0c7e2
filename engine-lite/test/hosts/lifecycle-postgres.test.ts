import t from 'tap';
import { postgresAvailable, startPostgres } from '../helpers/postgres.js';
import { hostLifecycle } from './lifecycle.js';

t.test('host lifecycle on a real PostgreSQL server', async (t) => {
  if (!(await postgresAvailable())) {
    t.fail('PostgreSQL 15 binaries missing: run scripts/setup-host');
    return;
  }
  const server = await startPostgres();
  t.teardown(() => server.stop());
  await hostLifecycle(t, server.url);
});
