// The storage verbs through the real RPC path: a vdsmd process (config with [irs] repository in a temp dir, its
// own sanlock daemon) driven over STOMP like the engine does for a LOCALFS data center.

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { startVdsmdProcess, type VdsmdProcess, type VdsmdProcessOptions } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { VdsmClient, VdsmRpcError } from '../../src/client/index.js';
import {
  BLANK_UUID,
  connectLocalStorage,
  connectPool,
  createLocalDomain,
  createPool,
  spmStart,
} from './engine-requests.js';
import { startSanlock } from './helpers.js';

t.test('LOCALFS data center through vdsmd', async (t) => {
  const dir = await diskDir(t, 'rpc');
  const sanlock = await startSanlock(t, dir);
  const port = await freePort();
  const repo = join(dir, 'repo');
  const shared = join(dir, 'data');
  await mkdir(shared);
  const options: VdsmdProcessOptions = {
    dir,
    port,
    env: { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
    startTimeoutMs: 30_000,
    config: {
      irs: { repository: repo, sd_health_check_delay: 0.5, storage_run_dir: join(dir, 'run') },
      sanlock: { io_timeout: 1 },
      spm: { watchdog_interval: 1 },
      supervdsm: { socket: join(dir, 'no-supervdsm.sock') },
    },
  };
  let client!: VdsmClient;
  let daemon: VdsmdProcess | undefined;
  const start = async () => {
    daemon = await startVdsmdProcess(options);
    client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, transport: 'stomp', reconnect: false });
  };
  t.teardown(async () => {
    client?.close();
    await daemon?.stop();
  });
  await start();
  const call = <T = unknown>(method: string, params: Record<string, unknown> = {}) =>
    client.call<T>(method, params, { timeoutMs: 60_000 });
  const fails = async (method: string, params: Record<string, unknown>) => {
    const err = await call(method, params).catch((e: unknown) => e);
    return err instanceof VdsmRpcError ? err.code : err;
  };
  const waitTask = async (taskID: string) => {
    type Status = { taskState: string; taskResult: string; code: number; message: string };
    let status: Status = { taskState: '', taskResult: '', code: -1, message: '' };
    await waitUntil(
      async () => {
        status = await call<Status>('Task.getStatus', { taskID });
        return status.taskState === 'finished';
      },
      { timeoutMs: 60_000, what: `task ${taskID}` },
    );
    return status;
  };

  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  const connId = randomUUID();
  t.same(await call('StoragePool.connectStorageServer', connectLocalStorage(shared, connId)), [
    { id: connId, status: 0 },
  ]);
  t.equal(await fails('StorageDomain.getInfo', { storagedomainID: sdUUID }), 358, 'unknown domain: 358');
  await call('StorageDomain.create', createLocalDomain(sdUUID, shared, 'local data'));
  const info = await call<Record<string, unknown>>('StorageDomain.getInfo', { storagedomainID: sdUUID });
  t.match(info, { uuid: sdUUID, type: 'LOCALFS', class: 'Data', name: 'local data', role: 'Regular' });
  t.equal(info.version, '5', 'version: a string, as upstream sends it');
  t.equal(info.remotePath, shared, 'remotePath: the connection the file domain lives on');
  t.same(await call('Host.getStorageDomains', {}), [sdUUID]);
  const stats = await call<Record<string, unknown>>('StorageDomain.getStats', { storagedomainID: sdUUID });
  t.ok(
    /^[1-9]\d*$/.test(String(stats.disktotal)) && /^[1-9]\d*$/.test(String(stats.diskfree)),
    'disk sizes: digit strings, as upstream sends them',
  );

  await call('StoragePool.create', createPool(spUUID, sdUUID, 'dc1'));
  t.equal(await fails('StoragePool.getInfo', { storagepoolID: spUUID }), 309, 'not connected yet: 309');
  await call('StoragePool.connect', connectPool(spUUID, sdUUID));
  t.same(await call('Host.getConnectedStoragePools'), [spUUID]);
  t.equal(
    await readlink(join(repo, spUUID, 'mastersd')),
    join(repo, 'mnt', shared.replaceAll('_', '__').replaceAll('/', '_'), sdUUID),
  );
  t.same(await call('StoragePool.getSpmStatus', { storagepoolID: spUUID }), {
    spmStatus: 'Free',
    spmLver: -1,
    spmId: -1,
  });
  t.equal(
    await fails('Volume.create', {
      volumeID: randomUUID(),
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: randomUUID(),
      size: '1048576',
      volFormat: 'RAW',
      preallocate: 'SPARSE',
      diskType: 'DATA',
      desc: '',
      srcImgUUID: BLANK_UUID,
      srcVolUUID: BLANK_UUID,
    }),
    654,
    'volume verbs need the SPM: 654',
  );

  const spmTask = await call<string>('StoragePool.spmStart', spmStart(spUUID));
  t.match(await waitTask(spmTask), { taskResult: 'success', code: 0 });
  t.match(await call('StoragePool.getSpmStatus', { storagepoolID: spUUID }), { spmStatus: 'SPM', spmId: 1 });
  const pool = await call<{ info: Record<string, unknown>; dominfo: Record<string, Record<string, unknown>> }>(
    'StoragePool.getInfo',
    { storagepoolID: spUUID },
  );
  t.match(pool.info, {
    name: 'dc1',
    master_uuid: sdUUID,
    master_ver: 1,
    spm_id: 1,
    pool_status: 'connected',
    type: 'LOCALFS',
  });
  t.match(pool.dominfo[sdUUID], { status: 'Active', version: 5 });

  // monitoring: the domain is checked and our host id is held
  await waitUntil(
    async () => {
      const repoStats = await call<Record<string, { actual: boolean; acquired: boolean; valid: boolean }>>(
        'Host.getStorageRepoStats',
        {},
      );
      return repoStats[sdUUID]?.actual === true && repoStats[sdUUID]?.acquired === true;
    },
    { timeoutMs: 30_000, what: 'the domain monitor' },
  );
  const vitals = (
    await call<Record<string, Record<string, unknown>>>('Host.getStorageRepoStats', { domains: [sdUUID] })
  )[sdUUID]!;
  t.match(vitals, { code: 0, valid: true, version: 5, acquired: true, actual: true });
  t.match(vitals.delay, /^\d+\.\d+$/, 'delay as a decimal string');
  const hostStats = await call<{ storageDomains?: Record<string, unknown> }>('Host.getStats');
  t.ok(hostStats.storageDomains?.[sdUUID], 'Host.getStats carries the storage section');

  // volumes
  const imgUUID = randomUUID();
  const volUUID = randomUUID();
  const volTask = await call<string>('Volume.create', {
    volumeID: volUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
    size: String(1024 ** 3),
    volFormat: 'COW',
    preallocate: 'SPARSE',
    diskType: 'DATA',
    desc: 'boot disk',
    srcImgUUID: BLANK_UUID,
    srcVolUUID: BLANK_UUID,
  });
  t.match(await waitTask(volTask), { taskResult: 'success' });
  t.match(await call('Host.getAllTasksStatuses'), { [volTask]: { taskID: volTask, taskState: 'finished' } });
  // checked against the schema by the daemon's strict mode, like every result here
  t.match(await call('Host.getAllTasks'), { [volTask]: { id: volTask, state: 'finished' } });
  t.match(await call('Host.getAllTasksInfo'), { [volTask]: { id: volTask } });
  const vol = await call<Record<string, unknown>>('Volume.getInfo', {
    volumeID: volUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
  });
  t.match(vol, {
    uuid: volUUID,
    image: imgUUID,
    domain: sdUUID,
    format: 'COW',
    allocType: 'SPARSE',
    voltype: 'LEAF',
    legality: 'LEGAL',
    capacity: 1024 ** 3,
    description: 'boot disk',
    parent: BLANK_UUID,
    status: 'OK',
  });
  const volPath = join(shared, sdUUID, 'images', imgUUID, volUUID);
  const qinfo = JSON.parse((await execa('qemu-img', ['info', '--output=json', volPath])).stdout) as {
    format: string;
    'virtual-size': number;
  };
  t.same([qinfo.format, qinfo['virtual-size']], ['qcow2', 1024 ** 3], 'a real qcow2 image');
  t.ok((await stat(`${volPath}.lease`)).size >= 1024 * 1024, 'volume lease initialised');
  t.equal(
    await fails('Volume.getInfo', {
      volumeID: randomUUID(),
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: imgUUID,
    }),
    201,
    'unknown volume: 201',
  );

  const volRef = { volumeID: volUUID, storagepoolID: spUUID, storagedomainID: sdUUID, imageID: imgUUID };
  await call('Volume.setDescription', { ...volRef, description: 'renamed disk' });
  t.match(await call('Volume.getInfo', volRef), { description: 'renamed disk' });
  await call('Volume.setLegality', { ...volRef, legality: 'ILLEGAL' });
  t.equal(
    await fails('Image.prepare', {
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: imgUUID,
      volumeID: volUUID,
    }),
    227,
    'an illegal volume is not prepared',
  );
  await call('Volume.setLegality', { ...volRef, legality: 'LEGAL' });
  const grow = await call<string>('Volume.extendSize', { ...volRef, newSize: String(2 * 1024 ** 3) });
  t.match(await waitTask(grow), { taskResult: 'success' });
  t.match(await call('Volume.getInfo', volRef), { capacity: 2 * 1024 ** 3 });
  const grown = JSON.parse((await execa('qemu-img', ['info', '--output=json', '-U', volPath])).stdout) as {
    'virtual-size': number;
  };
  t.equal(grown['virtual-size'], 2 * 1024 ** 3, 'qcow2 grown');
  const shrink = await call<string>('Volume.extendSize', { ...volRef, newSize: String(1024 ** 3) });
  t.match(await waitTask(shrink), { code: 232 }, 'no shrinking: VolumeResizeValueError');
  t.match(await call('Volume.getQemuImageInfo', volRef), {
    format: 'qcow2',
    virtualsize: 2 * 1024 ** 3,
    clustersize: 65536,
    compat: '1.1',
  });
  const size = await call<{ apparentsize: number; truesize: number }>('Volume.getSize', volRef);
  t.ok(size.apparentsize > 0 && size.truesize > 0, 'Volume.getSize');
  await call('StorageDomain.setDescription', { storagedomainID: sdUUID, description: 'renamed domain' });
  t.match(await call('StorageDomain.getInfo', { storagedomainID: sdUUID }), { name: 'renamed domain' });
  t.equal(await fails('StorageDomain.setDescription', { storagedomainID: sdUUID, description: 'x'.repeat(51) }), 387);
  t.equal(await call('StorageDomain.validate', { storagedomainID: sdUUID }), true);
  t.same(await call('StoragePool.getDomainsContainingImage', { storagepoolID: spUUID, imageID: imgUUID }), [sdUUID]);
  t.same(await call('StoragePool.getDomainsContainingImage', { storagepoolID: spUUID, imageID: randomUUID() }), []);
  await call('StoragePool.setDescription', { storagepoolID: spUUID, description: 'dc one' });
  t.match((await call<{ info: object }>('StoragePool.getInfo', { storagepoolID: spUUID })).info, { name: 'dc one' });
  t.same(await call('StorageDomain.getImages', { storagedomainID: sdUUID }), [imgUUID]);
  t.same(await call('Image.getVolumes', { imageID: imgUUID, storagepoolID: spUUID, storagedomainID: sdUUID }), [
    volUUID,
  ]);
  t.same(
    await call('StorageDomain.getVolumes', { storagedomainID: sdUUID, storagepoolID: spUUID, imageID: BLANK_UUID }),
    [volUUID],
  );
  // a snapshot: qcow2 layer over the volume, which becomes INTERNAL; deleting the layer makes it the leaf again
  const snapUUID = randomUUID();
  const snapTask = await call<string>('Volume.create', {
    volumeID: snapUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
    size: String(1024 ** 3),
    volFormat: 'COW',
    preallocate: 'SPARSE',
    diskType: 'DATA',
    desc: 'snapshot',
    srcImgUUID: imgUUID,
    srcVolUUID: volUUID,
  });
  t.match(await waitTask(snapTask), { taskResult: 'success' });
  const snapInfo = JSON.parse(
    (await execa('qemu-img', ['info', '--output=json', '-U', join(shared, sdUUID, 'images', imgUUID, snapUUID)]))
      .stdout,
  ) as Record<string, unknown>;
  t.match(
    snapInfo,
    { format: 'qcow2', 'backing-filename': volUUID, 'backing-filename-format': 'qcow2' },
    'backed by its parent',
  );
  t.match(
    await call('Volume.getInfo', {
      volumeID: volUUID,
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: imgUUID,
    }),
    { voltype: 'INTERNAL', children: [snapUUID] },
  );
  t.match(
    await call('Volume.getInfo', {
      volumeID: snapUUID,
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: imgUUID,
    }),
    { voltype: 'LEAF', parent: volUUID },
  );
  const parentDel = await call<string>('Volume.delete', {
    volumeID: volUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
    postZero: false,
    force: false,
  });
  t.match(await waitTask(parentDel), { taskResult: 'cleanSuccess', code: 204 }, 'a parent is not deleted');
  const snapDel = await call<string>('Volume.delete', {
    volumeID: snapUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
    postZero: false,
    force: false,
  });
  t.match(await waitTask(snapDel), { taskResult: 'success' });
  t.match(
    await call('Volume.getInfo', {
      volumeID: volUUID,
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: imgUUID,
    }),
    { voltype: 'LEAF', children: [] },
  );
  // Volume.delete of a raw volume in its own image
  const rawImg = randomUUID();
  const rawVol = randomUUID();
  const rawTask = await call<string>('Volume.create', {
    volumeID: rawVol,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: rawImg,
    size: String(64 * 1024 * 1024),
    volFormat: 'RAW',
    preallocate: 'PREALLOCATED',
    diskType: 'DATA',
    desc: '',
    srcImgUUID: BLANK_UUID,
    srcVolUUID: BLANK_UUID,
  });
  t.match(await waitTask(rawTask), { taskResult: 'success' });
  const rawPath = join(shared, sdUUID, 'images', rawImg, rawVol);
  t.ok((await stat(rawPath)).blocks * 512 >= 64 * 1024 * 1024, 'preallocated raw volume has its blocks');
  const delVol = await call<string>('Volume.delete', {
    volumeID: rawVol,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: rawImg,
    postZero: false,
    force: false,
  });
  t.match(await waitTask(delVol), { taskResult: 'success' });
  await t.rejects(stat(rawPath), 'volume deleted');
  t.equal(
    await fails('Volume.delete', {
      volumeID: rawVol,
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      imageID: rawImg,
      postZero: false,
      force: false,
    }),
    201,
  );

  const prepared = await call<{ path: string }>('Image.prepare', {
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    imageID: imgUUID,
    volumeID: volUUID,
  });
  t.equal(prepared.path, join(dir, 'run', sdUUID, imgUUID, volUUID));
  t.equal((await stat(prepared.path)).ino, (await stat(volPath)).ino, 'the prepared path is the volume');
  await call('Image.teardown', { storagepoolID: spUUID, storagedomainID: sdUUID, imageID: imgUUID });
  await t.rejects(stat(prepared.path));

  const delTask = await call<string>('Image.delete', {
    imageID: imgUUID,
    storagepoolID: spUUID,
    storagedomainID: sdUUID,
    postZero: false,
    force: false,
  });
  t.match(await waitTask(delTask), { taskResult: 'success' });
  await t.rejects(stat(join(shared, sdUUID, 'images', imgUUID)), 'image directory gone');
  t.equal(
    await fails('Image.delete', {
      imageID: imgUUID,
      storagepoolID: spUUID,
      storagedomainID: sdUUID,
      postZero: false,
      force: false,
    }),
    268,
  );
  t.equal(await fails('Task.getStatus', { taskID: randomUUID() }), 401, 'unknown task: 401');
  await call('Task.clear', { taskID: delTask });
  t.equal(await fails('Task.getStatus', { taskID: delTask }), 401, 'cleared');

  // a second (ISO) domain through attach / activate / deactivate / detach / format
  const isoPath = join(dir, 'iso');
  await mkdir(isoPath);
  const isoUUID = randomUUID();
  t.same(await call('StoragePool.connectStorageServer', connectLocalStorage(isoPath, 'iso', spUUID)), [
    { id: 'iso', status: 0 },
  ]);
  await call('StorageDomain.create', {
    storagedomainID: isoUUID,
    domainType: 'LOCALFS',
    // ovirt-engine sends typeArgs as the bare connection string
    typeArgs: isoPath,
    name: 'isos',
    domainClass: 'Iso',
    version: 5,
    blockSize: 512,
    maxHosts: 250,
  });
  await call('StorageDomain.attach', { storagedomainID: isoUUID, storagepoolID: spUUID });
  t.same((await call<Record<string, unknown>>('StorageDomain.getInfo', { storagedomainID: isoUUID })).pool, [spUUID]);
  await call('StorageDomain.activate', { storagedomainID: isoUUID, storagepoolID: spUUID });
  let dominfo = (
    await call<{ dominfo: Record<string, { status: string }> }>('StoragePool.getInfo', { storagepoolID: spUUID })
  ).dominfo;
  t.equal(dominfo[isoUUID]?.status, 'Active');
  t.equal(
    await fails('StorageDomain.detach', {
      storagedomainID: isoUUID,
      storagepoolID: spUUID,
      masterSdUUID: sdUUID,
      masterVersion: 1,
    }),
    382,
    'active: StorageDomainActive',
  );
  t.equal(
    await fails('StorageDomain.deactivate', {
      storagedomainID: sdUUID,
      storagepoolID: spUUID,
      masterSdUUID: sdUUID,
      masterVersion: 1,
    }),
    383,
    'the master stays',
  );
  await call('StorageDomain.deactivate', {
    storagedomainID: isoUUID,
    storagepoolID: spUUID,
    masterSdUUID: sdUUID,
    masterVersion: 1,
  });
  dominfo = (
    await call<{ dominfo: Record<string, { status: string }> }>('StoragePool.getInfo', { storagepoolID: spUUID })
  ).dominfo;
  t.equal(dominfo[isoUUID]?.status, 'Attached');
  t.equal(
    await fails('StorageDomain.format', { storagedomainID: isoUUID, autoDetach: false }),
    392,
    'format refused while in the connected pool',
  );
  await call('StorageDomain.detach', {
    storagedomainID: isoUUID,
    storagepoolID: spUUID,
    masterSdUUID: sdUUID,
    masterVersion: 1,
  });
  t.same((await call<Record<string, unknown>>('StorageDomain.getInfo', { storagedomainID: isoUUID })).pool, []);
  await call('StoragePool.refresh', { storagepoolID: spUUID, masterSdUUID: sdUUID, masterVersion: 1 });
  t.notOk(
    Object.hasOwn((await call<{ dominfo: object }>('StoragePool.getInfo', { storagepoolID: spUUID })).dominfo, isoUUID),
  );
  await call('StorageDomain.format', { storagedomainID: isoUUID, autoDetach: false });
  t.equal(await fails('StorageDomain.getInfo', { storagedomainID: isoUUID }), 358, 'formatted away');

  // a corrupted metadata seal: answered with 752 and reported by the monitor
  const mdPath = join(shared, sdUUID, 'dom_md', 'metadata');
  const original = await readFile(mdPath, 'utf8');
  await writeFile(mdPath, original.replace('DESCRIPTION=renamed domain', 'DESCRIPTION=renamed domaim'));
  t.equal(await fails('StorageDomain.getInfo', { storagedomainID: sdUUID }), 752, 'MetaDataSealIsBroken');
  await waitUntil(
    async () => {
      const v = (await call<Record<string, { valid: boolean; code: number }>>('Host.getStorageRepoStats', {}))[sdUUID];
      return v?.valid === false && v.code === 752;
    },
    { timeoutMs: 20_000, what: 'the monitor to report the broken seal' },
  );
  await writeFile(mdPath, original);
  await waitUntil(
    async () =>
      (await call<Record<string, { valid: boolean }>>('Host.getStorageRepoStats', {}))[sdUUID]?.valid === true,
    { timeoutMs: 20_000, what: 'recovery' },
  );

  // vdsmd dies (SIGKILL) while SPM: sanlock frees the lease with its registration; a new vdsmd connects again,
  // becomes SPM and finds the persisted tasks
  client.close();
  await daemon?.kill();
  await start();
  t.same(await call('Host.getConnectedStoragePools'), [], 'a fresh vdsmd is connected to nothing');
  await call('StoragePool.connectStorageServer', connectLocalStorage(shared, connId));
  await call('StoragePool.connect', connectPool(spUUID, sdUUID));
  const again = await call<string>('StoragePool.spmStart', spmStart(spUUID, 1));
  t.match(await waitTask(again), { taskResult: 'success' }, 'SPM again after a crash');
  t.match(
    await call('Host.getAllTasksStatuses'),
    { [volTask]: { taskState: 'finished', taskResult: 'success' } },
    'persisted tasks reloaded',
  );
  t.match(await call('Task.getInfo', { taskID: volTask }), { id: volTask, verb: 'createVolume' });

  await call('StoragePool.spmStop', { storagepoolID: spUUID });
  await call('StoragePool.disconnect', { storagepoolID: spUUID, hostID: 1, scsiKey: spUUID, remove: false });
  t.same(await call('Host.getConnectedStoragePools'), []);
  t.same(
    await call('StoragePool.disconnectStorageServer', {
      storagepoolID: BLANK_UUID,
      domainType: 'LOCALFS',
      connectionParams: [{ id: connId, connection: shared }],
    }),
    [{ id: connId, status: 0 }],
  );
  t.same(await call('Host.getStorageDomains', {}), [], 'no domain on disconnected storage');
});
