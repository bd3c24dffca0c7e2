/**
 * A private PostgreSQL server for one test file: initdb + pg_ctl (no systemd) on a temp dir, a free loopback port
 * and a unix socket dir under /tmp, as the postgres user when running as root. Debian's `postgresql` package
 * (scripts/setup-host) provides the binaries.
 */
import { access, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { execa } from 'execa';
import type { Test } from 'tap';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function postgresAvailable(): Promise<boolean> {
  return access(join(PG_BIN, 'initdb')).then(
    () => true,
    () => false,
  );
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout: uid } = await execa('id', ['-u', 'postgres'], { timeout: 5000 });
  const { stdout: gid } = await execa('id', ['-g', 'postgres'], { timeout: 5000 });
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-pg-'));
  const ids = await postgresIds();
  if (ids !== undefined) await chown(dir, ids.uid, ids.gid);
  const run = (bin: string, args: string[]) =>
    ids === undefined
      ? execa(join(PG_BIN, bin), args, { timeout: 60_000, stdin: 'ignore' })
      : execa('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args], { timeout: 60_000, stdin: 'ignore' });
  const data = join(dir, 'data');
  const port = await freePort();
  await run('initdb', ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync']);
  await run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A server stopped at the end of test `t`; undefined (the test failed, saying why) when PostgreSQL is not installed. */
export async function postgresForTest(t: Test): Promise<PostgresServer | undefined> {
  if (!(await postgresAvailable())) {
    t.fail('PostgreSQL 15 binaries missing: run scripts/setup-host');
    return undefined;
  }
  const server = await startPostgres();
  t.teardown(() => server.stop());
  return server;
}
