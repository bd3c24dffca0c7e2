// engine-lite attaches a LOCALFS storage domain to a data center with two real vdsmd hosts (each with its own sanlock
// daemon): connectStorageServer on both, StorageDomain.create on one, StoragePool.create (the pool id is the data
// center id), StoragePool.connect on both with their own pool host ids, then the SPM election picks the host with the
// highest SPM priority; a second domain is attached and activated through the SPM; when the SPM goes to Maintenance
// or its vdsmd dies, the other host takes the SPM lease over.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type SanlockDaemon, startSanlockDaemon } from '@vdsm-ts/testing/sanlock-daemon';
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
  const sanlocks: SanlockDaemon[] = [];
  let engine: RunningEngine | undefined;
  t.teardown(async () => {
    await engine?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all(sanlocks.map((s) => s.stop()));
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const shared = join(dir, 'shared');
  await mkdir(shared);
  for (const name of ['a', 'b']) {
    await mkdir(join(dir, name, 'repo'), { recursive: true });
    const sanlock = await startSanlockDaemon(join(dir, name));
    sanlocks.push(sanlock);
    daemons.push(
      await startVdsmd({
        config: {
          irs: { repository: join(dir, name, 'repo'), storage_run_dir: join(dir, name, 'run') },
          sanlock: { io_timeout: 1 },
          spm: { watchdog_interval: 0.5 },
        },
        env: { SANLOCK_RUN_DIR: sanlock.runDir },
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
      // h1 has the higher SPM priority
      api.hosts.add({
        name: `h${i}`,
        address: '127.0.0.1',
        port: d.port,
        cluster: { name: 'cl1' },
        tls: false,
        spm: { priority: i === 1 ? 8 : 3 },
      }),
    ),
  );
  for (const h of added)
    await api.waitFor(
      () => api.hosts.get(h.id),
      (x) => x.status === 'up',
      { timeoutMs: 30_000 },
    );

  const attachStarted = Date.now();
  const attached = await api.dataCenters.attachStorageDomain(dc.id, sd.id);
  t.comment(`attach with SPM election took ${Date.now() - attachStarted} ms`);
  t.equal(attached.status, 'active', 'domain Active');
  t.equal(attached.master, true, 'and the master domain');
  t.equal(attached.data_center?.id, dc.id);
  const dcNow = await api.dataCenters.get(dc.id);
  t.equal(dcNow.master_storage_domain?.id, sd.id, 'data center records its master domain');
  t.equal(dcNow.status, 'up', 'an SPM was elected: the data center is Up');
  const spm = async () => (await api.hosts.list()).filter((h) => h.spm.status === 'spm').map((h) => h.name);
  t.same(await spm(), ['h1'], 'the host with the highest SPM priority is SPM');
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

  // a second domain of the same data center goes through the SPM: StorageDomain.create + attach + activate
  const shared2 = join(dir, 'shared2');
  await mkdir(shared2);
  const sd2 = await api.storageDomains.add({ name: 'data2', storage: { type: 'localfs', path: shared2 } });
  const second = await api.dataCenters.attachStorageDomain(dc.id, sd2.id);
  t.match(second, { status: 'active', master: false, data_center: { id: dc.id } }, 'second domain Active, not master');
  t.equal((await api.dataCenters.get(dc.id)).master_storage_domain?.id, sd.id, 'the master is unchanged');
  const metadata2 = await readFile(join(shared2, sd2.id, 'dom_md', 'metadata'), 'utf8');
  t.match(metadata2, `POOL_UUID=${dc.id}`, "the second domain's metadata names the pool");
  for (const [i, d] of daemons.entries()) {
    const client = await VdsmClient.connect({ host: '127.0.0.1', port: d.port, tls: false, reconnect: false });
    const info = await client.call<{ dominfo: Record<string, { status: string }> }>('StoragePool.getInfo', {
      storagepoolID: dc.id,
    });
    await client.close();
    t.equal(info.dominfo[sd2.id]?.status, 'Active', `host h${i} sees the second domain Active in the pool`);
  }

  // the SPM goes to Maintenance: it stops being SPM (StoragePool.spmStop) and h0 is elected
  await api.hosts.deactivate(added[1]!.id);
  await api.waitFor(spm, (names) => names.length === 1 && names[0] === 'h0', { timeoutMs: 30_000 });
  t.pass('SPM handed over when the SPM host went to Maintenance');
  // back Up: it is connected to the pool again (it was never disconnected here) and stays a non-SPM host
  await api.hosts.activate(added[1]!.id);
  await api.waitFor(
    () => api.hosts.get(added[1]!.id),
    (h) => h.status === 'up',
    { timeoutMs: 30_000 },
  );
  t.same(await spm(), ['h0'], 'one SPM only');

  // the SPM's vdsmd dies: sanlock frees its lease, the other host is elected
  const killedAt = Date.now();
  await daemons[0]!.kill();
  await api.waitFor(spm, (names) => names.length === 1 && names[0] === 'h1', { timeoutMs: 60_000 });
  t.pass(`h1 took the SPM role over (${Date.now() - killedAt} ms after the kill)`);
  t.equal((await api.dataCenters.get(dc.id)).status, 'up', 'the data center is Up again');
  const codes = (await api.events.list()).map((e) => e.code);
  t.ok(codes.includes('SPM_LOST'), 'audit log: SPM lost');
});
