// Two vdsmd-like hosts (each its own storage service and sanlock daemon, host ids 1 and 2) share one LOCALFS
// domain: pool creation and connection, one SPM at a time through the SDM lease, SPM hand-over, and the SPM role
// dropped at once when sanlock revokes the lease.
import { randomUUID } from 'node:crypto';
import { mkdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import type { VdsmError } from '../../src/errors/vdsm-error.js';
import type { StorageServices } from '../../src/storage/storage-service.js';
import { makeService, startSanlock } from './helpers.js';

async function host(t: { teardown(fn: () => unknown): void }, dir: string, name: string) {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  const sanlock = await startSanlock(t, root);
  const service = makeService(t, {
    repository: join(root, 'repo'),
    runDir: join(root, 'run'),
    sanlockRunDir: sanlock.runDir,
  });
  return { service, sanlock };
}

async function finished(service: StorageServices, taskId: string) {
  await service.tasks.wait(taskId);
  return service.tasks.status(taskId);
}

t.test('one SPM at a time over shared storage', async (t) => {
  const t0 = Date.now();
  const mark = (what: string) => t.comment(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  const dir = await diskDir(t, 'spm');
  const shared = join(dir, 'export');
  await mkdir(shared);
  const a = await host(t, dir, 'a');
  const b = await host(t, dir, 'b');
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  const conn = [{ id: randomUUID(), connection: shared }];

  // connections: LOCALFS is a link named like upstream's mount points
  t.same(await a.service.connections.connect(4, conn), [{ id: conn[0]!.id, status: 0 }]);
  t.same(await b.service.connections.connect(4, conn), [{ id: conn[0]!.id, status: 0 }]);
  const link = join(dir, 'a', 'repo', 'mnt', shared.replaceAll('_', '__').replaceAll('/', '_'));
  t.equal(await readlink(link), shared, `link ${link}`);
  t.same(await a.service.connections.connect(4, [{ id: 'x', connection: join(dir, 'nope') }]), [
    { id: 'x', status: 453 },
  ]);

  await a.service.domains.create({
    sdUUID,
    domainType: 4,
    remotePath: shared,
    name: 'master',
    domainClass: 1,
    version: 5,
    blockSize: 512,
  });
  t.same(await b.service.domains.list({}), [sdUUID], 'host b sees the domain host a made');
  t.equal((await b.service.domains.info(sdUUID)).role, 'Regular');

  await a.service.pools.create({ spUUID, name: 'dc', masterSdUUID: sdUUID, masterVersion: 1, domainList: [sdUUID] });
  const info = await b.service.domains.info(sdUUID);
  t.equal(info.role, 'Master');
  t.same(info.pool, [spUUID]);
  t.equal(info.master_ver, 1);
  t.ok((await stat(join(shared, sdUUID, 'master', 'tasks'))).isDirectory(), 'master/tasks');

  const wrongVersion = await b.service.pools
    .connect({ spUUID, hostId: 2, masterSdUUID: sdUUID, masterVersion: 7, domainDict: null })
    .catch((e: unknown) => e);
  t.equal((wrongVersion as VdsmError).code, 324, 'StoragePoolWrongMaster');
  const noMaster = await b.service.pools
    .connect({ spUUID, hostId: 2, masterSdUUID: randomUUID(), masterVersion: 1, domainDict: null })
    .catch((e: unknown) => e);
  t.equal((noMaster as VdsmError).code, 304, 'StoragePoolMasterNotFound');

  await a.service.pools.connect({
    spUUID,
    hostId: 1,
    masterSdUUID: sdUUID,
    masterVersion: 1,
    domainDict: { [sdUUID]: 'active' },
  });
  await b.service.pools.connect({ spUUID, hostId: 2, masterSdUUID: sdUUID, masterVersion: 1, domainDict: null });
  t.equal(await readlink(join(dir, 'a', 'repo', spUUID, 'mastersd')), join(link, sdUUID), 'pool link mastersd');
  t.equal(
    await readlink(join(dir, 'b', 'repo', spUUID, sdUUID)),
    join(dir, 'b', 'repo', 'mnt', link.split('/').at(-1)!, sdUUID),
  );
  const other = await a.service.pools
    .connect({ spUUID: randomUUID(), hostId: 1, masterSdUUID: sdUUID, masterVersion: 1, domainDict: null })
    .catch((e: unknown) => e);
  t.equal((other as VdsmError).code, 323, 'CannotConnectMultiplePools');

  mark('// host a becomes SPM');
  // host a becomes SPM
  const startA = await a.service.pools.spmStart(spUUID);
  t.same(await finished(a.service, startA), {
    taskID: startA,
    taskState: 'finished',
    taskResult: 'success',
    code: 0,
    message: '1 jobs completed successfully',
  });
  const spmA = await a.service.pools.spmStatus(spUUID);
  t.equal(spmA.spmStatus, 'SPM');
  t.equal(spmA.spmId, 1);
  t.ok(spmA.spmLver >= 1);
  t.same(
    await b.service.pools.spmStatus(spUUID),
    { spmStatus: 'Free', spmId: 1, spmLver: spmA.spmLver },
    'b sees a as SPM',
  );

  mark('// host b cannot take it meanw');
  // host b cannot take it meanwhile
  const startB = await b.service.pools.spmStart(spUUID);
  const failed = await finished(b.service, startB);
  t.equal(failed.taskState, 'finished');
  t.equal(failed.code, 651, 'AcquireLockFailure');
  t.not(failed.taskResult, 'success');
  t.equal((await b.service.pools.spmStatus(spUUID)).spmStatus, 'Free');
  const disconnectSpm = await a.service.pools.disconnect(spUUID).catch((e: unknown) => e);
  t.equal((disconnectSpm as VdsmError).code, 656, 'IsSpm: the SPM cannot disconnect');

  mark('// hand-over');
  // hand-over
  await a.service.pools.spmStop(spUUID);
  t.equal((await a.service.pools.spmStatus(spUUID)).spmStatus, 'Free');
  const startB2 = await b.service.pools.spmStart(spUUID);
  t.equal((await finished(b.service, startB2)).taskResult, 'success');
  const spmB = await b.service.pools.spmStatus(spUUID);
  t.same(spmB, { spmStatus: 'SPM', spmId: 2, spmLver: spmA.spmLver + 1 }, 'lver grows with each SPM');
  t.same(await a.service.pools.spmStatus(spUUID), { spmStatus: 'Free', spmId: 2, spmLver: spmB.spmLver });

  mark('// sanlock revokes');
  // storage trouble: b's delta lease in dom_md/ids is overwritten, its renewal fails and sanlock revokes its
  // leases through our kill path; b stops acting as SPM at once
  const ids = join(shared, sdUUID, 'dom_md', 'ids');
  const saved = join(dir, 'host2-delta-lease');
  await execa('dd', [`if=${ids}`, `of=${saved}`, 'bs=512', 'count=1', 'skip=1', 'iflag=direct']);
  await execa('dd', ['if=/dev/zero', `of=${ids}`, 'bs=512', 'count=1', 'seek=1', 'conv=notrunc', 'oflag=direct']);
  await waitUntil(async () => (await b.service.pools.spmStatus(spUUID)).spmStatus !== 'SPM', {
    timeoutMs: 30_000,
    what: 'b to drop the SPM role',
  });
  t.pass('b dropped the SPM role');
  // the storage comes back: b's last delta lease is readable again (no longer renewed, so b's host id ages out)
  await execa('dd', [`if=${saved}`, `of=${ids}`, 'bs=512', 'count=1', 'seek=1', 'conv=notrunc', 'oflag=direct']);
  // like the engine, a retries spmStart; it succeeds once sanlock can judge b's (rewritten) delta lease
  const takeover = await waitUntil(
    async () => {
      const attempt = await finished(a.service, await a.service.pools.spmStart(spUUID));
      if (attempt.taskResult === 'success') return attempt;
      t.equal(attempt.code, 651, `refused meanwhile: ${attempt.message}`);
      return undefined;
    },
    { timeoutMs: 40_000, intervalMs: 1000, what: 'spmStart on a to succeed after the loss' },
  );
  t.equal(takeover.taskResult, 'success', 'a takes over after the loss');
  mark('a took over');
  t.equal((await a.service.pools.spmStatus(spUUID)).spmId, 1);

  mark('lease taken away');
  // the lease taken away behind our back (released through sanlock by someone else): the watchdog notices
  const leases = join(shared, sdUUID, 'dom_md', 'leases');
  await execa('sanlock', ['client', 'release', '-r', `${sdUUID}:SDM:${leases}:1048576`, '-p', String(process.pid)], {
    env: { SANLOCK_RUN_DIR: a.sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
  });
  await waitUntil(async () => (await a.service.pools.spmStatus(spUUID)).spmStatus !== 'SPM', {
    timeoutMs: 20_000,
    what: 'the watchdog to notice',
  });
  t.pass('a dropped the SPM role when its lease vanished');
  mark('watchdog');

  await a.service.pools.spmStop(spUUID);
  await a.service.close();
  mark('a closed');
  await b.service.close();
  mark('b closed');
});
