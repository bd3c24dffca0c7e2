// StoragePool.reconstructMaster on a pool of two LOCALFS domains: the master's directory vanishes, the other
// domain is made master with a new master version; its metadata (read by the fact-sheet reader) carries the role
// and pool keys under a valid seal, the pool links and getInfo follow, and a reachable old master is demoted.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readlink, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { execa } from 'execa';
import t from 'tap';
import { createApiEndpoint } from '../../src/api/index.js';
import type { VdsmError } from '../../src/errors/vdsm-error.js';
import { factSheetRead } from './fact-sheet.js';
import { makeService, startSanlock } from './helpers.js';

async function code(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'no error';
  } catch (error) {
    return (error as VdsmError).code ?? String(error);
  }
}

t.test('reconstructMaster moves the master role to a reachable domain', async (t) => {
  const dir = await diskDir(t, 'reconstruct');
  const sanlock = await startSanlock(t, dir);
  const repository = join(dir, 'repo');
  const service = makeService(t, { repository, runDir: join(dir, 'run'), sanlockRunDir: sanlock.runDir });
  const exportA = join(dir, 'export-a');
  const exportB = join(dir, 'export-b');
  await mkdir(exportA);
  await mkdir(exportB);
  await service.connections.connect(4, [
    { id: randomUUID(), connection: exportA },
    { id: randomUUID(), connection: exportB },
  ]);
  const sdA = randomUUID();
  const sdB = randomUUID();
  const spUUID = randomUUID();
  for (const [sdUUID, remotePath] of [
    [sdA, exportA],
    [sdB, exportB],
  ] as const) {
    await service.domains.create({
      sdUUID,
      domainType: 4,
      remotePath,
      name: sdUUID.slice(0, 8),
      domainClass: 1,
      version: 5,
      blockSize: 512,
    });
  }
  await service.pools.create({ spUUID, name: 'dc', masterSdUUID: sdA, masterVersion: 1, domainList: [sdA, sdB] });
  const both = { [sdA]: 'active', [sdB]: 'active' };
  // the verbs are also called through the JSON-RPC dispatcher (parameter names as the schema has them)
  const api = createApiEndpoint({
    config: defaultConfig(),
    logging: new Logging({ name: 'test', level: 'fatal' }, new Writable({ write: (_c, _e, cb) => cb() })),
    storage: service,
  });
  api.setReady(true);
  t.teardown(() => api.close());
  let rpcId = 0;
  const rpc = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    const request = JSON.stringify({ jsonrpc: '2.0', method, params, id: ++rpcId });
    const reply = JSON.parse((await api.handle(request, { transport: 'stomp', peer: 'test' }))!) as {
      result?: unknown;
      error?: { code: number; message: string };
    };
    if (reply.error !== undefined) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.result;
  };
  await service.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdA, masterVersion: 1, domainDict: both });
  const poolDir = join(repository, spUUID);
  // pool links point into the repository's mount directory (LOCALFS: a link named like upstream's mount points)
  const domainLink = (exported: string, sd: string) =>
    join(repository, 'mnt', exported.replaceAll('_', '__').replaceAll('/', '_'), sd);
  t.equal(await readlink(join(poolDir, 'mastersd')), domainLink(exportA, sdA));

  const base = { spUUID, hostId: 1, name: 'dc-reborn', masterSdUUID: sdB, masterVersion: 2, domainDict: both };
  t.equal(
    await code(service.pools.reconstructMaster({ ...base, domainDict: { [sdA]: 'Active' } })),
    1000,
    'master not in domainDict',
  );
  const stranger = randomUUID();
  t.equal(
    await code(
      service.pools.reconstructMaster({ ...base, masterSdUUID: stranger, domainDict: { [stranger]: 'Active' } }),
    ),
    358,
    'unknown domain: StorageDomainDoesNotExist',
  );
  t.equal(await code(service.pools.reconstructMaster({ ...base, hostId: 0 })), 1000, 'bad host id');
  t.equal(await code(service.pools.reconstructMaster({ ...base, name: 'x'.repeat(51) })), 327, 'name too long');

  const spmTask = await service.pools.spmStart(spUUID);
  await service.tasks.wait(spmTask);
  t.equal(await code(service.pools.reconstructMaster(base)), 656, 'IsSpm on the SPM');
  await service.pools.spmStop(spUUID);

  // the master's storage disappears
  await rename(join(exportA, sdA), join(exportA, `${sdA}.away`));
  t.equal(
    await rpc('StoragePool.reconstructMaster', {
      storagepoolID: spUUID,
      hostId: 1,
      name: 'dc-reborn',
      masterSdUUID: sdB,
      masterVersion: 2,
      domainDict: both,
      lockRenewalIntervalSec: 0,
      leaseTimeSec: 0,
      ioOpTimeoutSec: 0,
      leaseRetries: 0,
    }),
    true,
    'StoragePool.reconstructMaster over JSON-RPC',
  );

  const text = await readFile(join(exportB, sdB, 'dom_md', 'metadata'), 'utf8');
  const read = factSheetRead(text);
  t.equal(read.declared, read.computed, 'the new master metadata has a valid seal');
  t.match(read.md, {
    ROLE: 'Master',
    MASTER_VERSION: '2',
    POOL_UUID: spUUID,
    POOL_DESCRIPTION: 'dc-reborn',
    POOL_SPM_ID: '-1',
    POOL_SPM_LVER: '-1',
    SDUUID: sdB,
  });
  t.same(new Set(read.md.POOL_DOMAINS?.split(',')), new Set([`${sdA}:Active`, `${sdB}:Active`]), 'POOL_DOMAINS');
  t.ok((await stat(join(exportB, sdB, 'master', 'tasks'))).isDirectory(), 'master/tasks on the new master');
  t.ok((await stat(join(exportB, sdB, 'master', 'vms'))).isDirectory(), 'master/vms on the new master');
  t.equal(await readlink(join(poolDir, 'mastersd')), domainLink(exportB, sdB), 'mastersd link follows');
  const { info } = await service.pools.info(spUUID);
  t.match(info, { master_uuid: sdB, master_ver: 2, name: 'dc-reborn' });
  t.equal(await code(service.pools.refresh(spUUID, sdA, 1)), 304, 'the lost master is not found');
  await service.pools.refresh(spUUID, sdB, 2);

  // the old master comes back: a second reconstruct onto it demotes the reachable previous master (B)
  await rename(join(exportA, `${sdA}.away`), domainLink(exportA, sdA));
  await service.pools.reconstructMaster({ ...base, masterSdUUID: sdA, masterVersion: 3 });
  const demoted = factSheetRead(await readFile(join(exportB, sdB, 'dom_md', 'metadata'), 'utf8'));
  t.equal(demoted.declared, demoted.computed, 'the demoted domain keeps a valid seal');
  t.match(demoted.md, { ROLE: 'Regular', MASTER_VERSION: '0', POOL_UUID: spUUID }, 'demoted as sp.py does');

  // a fresh connect sees only the new master at the new version
  await service.pools.disconnect(spUUID);
  t.equal(
    await code(service.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdB, masterVersion: 2, domainDict: both })),
    324,
    'the demoted domain is the wrong master',
  );
  await service.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdA, masterVersion: 3, domainDict: null });
  t.match((await service.pools.info(spUUID)).info, { master_uuid: sdA, master_ver: 3 });
  t.equal(await readlink(join(poolDir, 'mastersd')), domainLink(exportA, sdA));

  // switchMaster (SPM task): A → B at version 4, master/ tree copied, SDM lease moved to B
  t.equal(await code(service.pools.switchMaster(spUUID, sdA, sdB, 4)), 654, 'not SPM: SpmStatusError');
  await service.tasks.wait(await service.pools.spmStart(spUUID));
  const vmDir = join(exportA, sdA, 'master', 'vms', randomUUID());
  await mkdir(vmDir);
  await writeFile(join(vmDir, 'vm.ovf'), '<ovf/>');
  const failed = async (taskId: Promise<string>) => {
    const id = await taskId;
    await service.tasks.wait(id);
    return service.tasks.status(id).code;
  };
  t.equal(await failed(service.pools.switchMaster(spUUID, sdA, sdB, 3)), 324, 'master version not higher');
  t.equal(await failed(service.pools.switchMaster(spUUID, sdB, sdA, 4)), 324, 'old master is not the master');
  t.equal(await failed(service.pools.switchMaster(spUUID, sdA, stranger, 4)), 353, 'new master not in the pool');
  const switchTask = rpc('StoragePool.switchMaster', {
    storagepoolID: spUUID,
    oldMasterUUID: sdA,
    newMasterUUID: sdB,
    masterVersion: 4,
  }) as Promise<string>;
  t.equal(await failed(switchTask), 0, 'switched (StoragePool.switchMaster over JSON-RPC)');
  const switched = factSheetRead(await readFile(join(exportB, sdB, 'dom_md', 'metadata'), 'utf8'));
  t.equal(switched.declared, switched.computed, 'new master sealed');
  t.match(switched.md, { ROLE: 'Master', MASTER_VERSION: '4', POOL_DESCRIPTION: 'dc-reborn', POOL_UUID: spUUID });
  const old = factSheetRead(await readFile(join(exportA, sdA, 'dom_md', 'metadata'), 'utf8'));
  t.match(old.md, { ROLE: 'Regular', MASTER_VERSION: '0' }, 'old master demoted');
  t.equal(
    await readFile(join(exportB, sdB, 'master', 'vms', basename(vmDir), 'vm.ovf'), 'utf8'),
    '<ovf/>',
    'master tree copied',
  );
  t.match((await service.pools.info(spUUID)).info, { master_uuid: sdB, master_ver: 4 });
  t.equal(await readlink(join(poolDir, 'mastersd')), domainLink(exportB, sdB));
  const { stdout } = await execa('sanlock', ['client', 'status'], {
    env: { SANLOCK_RUN_DIR: sanlock.runDir },
    timeout: 10_000,
  });
  t.match(stdout, new RegExp(`^r ${sdB}:SDM:`, 'm'), 'the SDM lease is held on the new master');
  t.notMatch(stdout, new RegExp(`^r ${sdA}:SDM:`, 'm'), 'and released on the old one');
  t.equal((await service.pools.spmStatus(spUUID)).spmStatus, 'SPM');
  await service.pools.spmStop(spUUID);
  await service.pools.disconnect(spUUID);
});
