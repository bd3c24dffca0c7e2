// engine-lite attaches a LOCALFS storage domain to a data center with two real vdsmd hosts: connectStorageServer
// on both, StorageDomain.create on one, StoragePool.create (the pool id is the data center id), StoragePool.connect
// on both with their own pool host ids; the domain's metadata is on disk and both hosts see the pool.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import t from 'tap';
import { type RunningEngine, startEngine } from '../../src/runtime.js';
import { type ApiError, EngineClient } from '../../src/sdk/client.js';
import { startPostgres } from '../helpers/postgres.js';
import { startVdsmd, type Vdsmd } from '../helpers/vdsmd.js';

t.test('attach a file storage domain: domain and pool made on real vdsmd hosts', async (t) => {
  const pg = await startPostgres();
  // the real disk, not tmpfs: vdsm reads domain metadata with O_DIRECT
  await mkdir('/var/tmp', { recursive: true });
  const dir = await mkdtemp('/var/tmp/engine-lite-storage-');
  const daemons: Vdsmd[] = [];
  let engine: RunningEngine | undefined;
  t.teardown(async () => {
    await engine?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const shared = join(dir, 'shared');
  await mkdir(shared);
  for (const name of ['a', 'b']) {
    await mkdir(join(dir, name, 'repo'), { recursive: true });
    daemons.push(
      await startVdsmd({
        sections: ['[irs]', `repository = ${join(dir, name, 'repo')}`, `storage_run_dir = ${join(dir, name, 'run')}`],
      }),
    );
  }
  engine = await startEngine({
    dataDir: join(dir, 'engine'),
    db: pg.url,
    port: 0,
    adminPassword: 'storage-admin-pw',
    monitor: { pollIntervalMs: 200, statsEveryPolls: 1, maxMissedPolls: 3, callTimeoutMs: 5000 },
  });
  const api = await EngineClient.login(engine.url, 'admin@internal', 'storage-admin-pw');
  const dc = await api.dataCenters.add({ name: 'dc1' });
  await api.clusters.add({ name: 'cl1', data_center: { name: 'dc1' }, cpu: { type: 'AMD EPYC' } });
  const sd = await api.storageDomains.add({ name: 'data1', storage: { type: 'localfs', path: shared } });

  const noHosts = await api.dataCenters.attachStorageDomain(dc.id, sd.id).catch((e: unknown) => e);
  t.equal((noHosts as ApiError).status, 409, 'no Up host: refused');
  t.match((noHosts as ApiError).message, /no Up host/);

  const added = await Promise.all(
    daemons.map((d, i) =>
      api.hosts.add({ name: `h${i}`, address: '127.0.0.1', port: d.port, cluster: { name: 'cl1' }, tls: false }),
    ),
  );
  for (const h of added)
    await api.waitFor(
      () => api.hosts.get(h.id),
      (x) => x.status === 'up',
      { timeoutMs: 30_000 },
    );

  const attached = await api.dataCenters.attachStorageDomain(dc.id, sd.id);
  t.equal(attached.status, 'active', 'domain Active');
  t.equal(attached.master, true, 'and the master domain');
  t.equal(attached.data_center?.id, dc.id);
  const dcNow = await api.dataCenters.get(dc.id);
  t.equal(dcNow.master_storage_domain?.id, sd.id, 'data center records its master domain');
  t.equal(dcNow.status, 'contend', 'no SPM elected yet: Contend');
  t.same((await api.hosts.list()).map((h) => h.pool_host_id).sort(), [1, 2], 'each host has its own pool host id');

  const metadata = await readFile(join(shared, sd.id, 'dom_md', 'metadata'), 'utf8');
  t.match(metadata, `SDUUID=${sd.id}`, 'domain metadata written on the shared storage');
  t.match(metadata, `POOL_UUID=${dc.id}`, 'naming the data center as its pool');
  for (const [i, d] of daemons.entries()) {
    const client = await VdsmClient.connect({ host: '127.0.0.1', port: d.port, tls: false, reconnect: false });
    const info = await client.call<{ info: { master_uuid: string; pool_status: string } }>('StoragePool.getInfo', {
      storagepoolID: dc.id,
    });
    await client.close();
    t.equal(info.info.master_uuid, sd.id, `host h${i} is connected to the pool`);
  }
  const again = await api.dataCenters.attachStorageDomain(dc.id, randomUUID()).catch((e: unknown) => e);
  t.equal((again as ApiError).status, 400, 'an unknown domain id is a 400');
  t.ok(
    (await api.events.list()).some((e) => e.code === 'STORAGE_DOMAIN_ATTACHED'),
    'audit log',
  );
});
