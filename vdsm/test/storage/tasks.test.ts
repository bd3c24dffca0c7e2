// Storage tasks: persisted in upstream's format under the master domain, rolled back when stopped or reverted,
// and rolled back by the next SPM when the previous one died half way.

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import type { VdsmError } from '../../src/errors/vdsm-error.js';
import { TaskManager } from '../../src/storage/task/task-manager.js';
import { makeService, startSanlock } from './helpers.js';

const BLANK = '00000000-0000-0000-0000-000000000000';

t.test('stop rolls a running task back; done tasks can be cleared, not stopped', async (t) => {
  const dir = await diskDir(t, 'task-unit');
  const tasks = new TaskManager();
  const undone: string[] = [];
  tasks.registerRecovery('undo', async (p) => {
    undone.push(String(p.step));
  });
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const id = await tasks.start(
    'slowJob',
    async (ctx) => {
      await ctx.addRecovery({ name: 'undo', params: { step: 'one' } });
      await ctx.addRecovery({ name: 'undo', params: { step: 'two=2' } });
      await gate;
      ctx.checkAborted();
    },
    { persistDir: dir },
  );
  t.match(tasks.status(id), { taskState: 'running', taskResult: '' });
  t.same(tasks.info(id), { id, verb: 'slowJob' });
  await waitUntil(
    async () => /^nrecoveries = 2$/m.test(await readFile(join(dir, id, `${id}.task`), 'utf8').catch(() => '')),
    { timeoutMs: 30_000, what: 'persisted recoveries' },
  );
  const taskFile = await readFile(join(dir, id, `${id}.task`), 'utf8');
  t.match(taskFile, new RegExp(`^id = ${id}$`, 'm'));
  t.match(taskFile, /^name = slowJob$/m);
  t.match(taskFile, /^nrecoveries = 2$/m);
  t.match(
    await readFile(join(dir, id, `${id}.recover.1`), 'utf8'),
    /params = \{"step":"two_eq_2"\}/,
    '= written as _eq_',
  );
  tasks.stop(id);
  release();
  await tasks.wait(id);
  t.same(undone, ['two=2', 'one'], 'recoveries newest first');
  t.match(tasks.status(id), { taskState: 'finished', taskResult: 'cleanSuccess', code: 411 });
  t.match(tasks.allDetails()[id], {
    id,
    verb: 'slowJob',
    state: 'finished',
    result: 'cleanSuccess',
    code: 411,
    tag: 'spm',
  });
  t.match(await readFile(join(dir, id, `${id}.result`), 'utf8'), /^code = 411$/m);
  t.equal(
    (
      (() => {
        try {
          tasks.stop(id);
        } catch (e) {
          return e;
        }
      })() as VdsmError
    ).code,
    410,
    'TaskStateError on a done task',
  );
  await tasks.clear(id);
  await t.rejects(stat(join(dir, id)), 'cleared task directory removed');
  t.throws(() => tasks.status(id), { code: 401 });
  t.throws(() => tasks.status('not-a-uuid'), { code: 401 });
});

t.test('SPM tasks: revert, and rollback of a dead SPM half-done volume', async (t) => {
  const dir = await diskDir(t, 'task-spm');
  const sanlock = await startSanlock(t, dir);
  const shared = join(dir, 'export');
  await mkdir(shared);
  const service = makeService(t, {
    repository: join(dir, 'repo'),
    runDir: join(dir, 'run'),
    sanlockRunDir: sanlock.runDir,
  });
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  await service.connections.connect(4, [{ id: 'c', connection: shared }]);
  await service.domains.create({
    sdUUID,
    domainType: 4,
    remotePath: shared,
    name: 'd',
    domainClass: 'Data',
    version: 5,
    blockSize: 512,
  });
  await service.pools.create({ spUUID, name: 'dc', masterSdUUID: sdUUID, masterVersion: 1, domainList: [sdUUID] });
  await service.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdUUID, masterVersion: 1, domainDict: null });
  await service.tasks.wait(await service.pools.spmStart(spUUID));
  t.equal((await service.pools.spmStatus(spUUID)).spmStatus, 'SPM');
  const tasksDir = join(shared, sdUUID, 'master', 'tasks');
  const images = join(shared, sdUUID, 'images');

  // a finished Volume.create, then reverted
  const imgUUID = randomUUID();
  const volUUID = randomUUID();
  const create = await service.volumes.create({
    spUUID,
    sdUUID,
    imgUUID,
    volUUID,
    size: 1024 * 1024,
    format: 'RAW',
    allocation: 'SPARSE',
    diskType: 'DATA',
    description: '',
    srcVolUUID: BLANK,
    legal: true,
    sequence: 0,
  });
  await service.tasks.wait(create);
  t.match(service.tasks.status(create), { taskState: 'finished', taskResult: 'success' });
  t.same((await readdir(join(images, imgUUID))).sort(), [volUUID, `${volUUID}.lease`, `${volUUID}.meta`].sort());
  t.match(await readFile(join(tasksDir, create, `${create}.task`), 'utf8'), /^state = finished$/m, 'persisted');
  await service.tasks.revert(create);
  t.match(service.tasks.status(create), { taskState: 'finished', taskResult: 'cleanSuccess' });
  await t.rejects(stat(join(images, imgUUID)), 'revert removed the volume');

  // a volume creation cut short by a dying SPM: data file written, no metadata yet, task still "running"
  const deadTask = randomUUID();
  const halfImg = randomUUID();
  const halfVol = randomUUID();
  await mkdir(join(images, halfImg), { recursive: true });
  await writeFile(join(images, halfImg, halfVol), Buffer.alloc(4096));
  await mkdir(join(tasksDir, deadTask));
  await writeFile(
    join(tasksDir, deadTask, `${deadTask}.task`),
    `id = ${deadTask}\nname = createVolume\ntag = spm\nstore = ${tasksDir}\nrecoveryPolicy = auto\npersistPolicy = auto\ncleanPolicy = manual\npriority = low\nstate = running\nnjobs = 1\nnrecoveries = 1\nmetadataVersion = 1\n`,
  );
  await writeFile(
    join(tasksDir, deadTask, `${deadTask}.recover.0`),
    `name = volume.remove\nparams = {"sdUUID":"${sdUUID}","imgUUID":"${halfImg}","volUUID":"${halfVol}"}\n`,
  );
  await service.pools.spmStop(spUUID);
  t.throws(() => service.tasks.status(deadTask), { code: 401 }, 'not known before an SPM loads it');
  await service.tasks.wait(await service.pools.spmStart(spUUID));
  t.match(
    service.tasks.status(deadTask),
    { taskState: 'finished', taskResult: 'cleanSuccess' },
    'rolled back on SPM start',
  );
  await t.rejects(stat(join(images, halfImg)), 'the half-made volume is gone');
  t.match(await readFile(join(tasksDir, deadTask, `${deadTask}.task`), 'utf8'), /^state = recovered$/m);
  t.ok(service.tasks.allStatuses()[deadTask]);

  // a failing Volume.create rolls itself back (volume exists already → 212, nothing removed that it did not make)
  const again = await service.volumes.create({
    spUUID,
    sdUUID,
    imgUUID: randomUUID(),
    volUUID: randomUUID(),
    size: 0,
    format: 'COW',
    allocation: 'SPARSE',
    diskType: 'DATA',
    description: '',
    srcVolUUID: BLANK,
    legal: true,
    sequence: 0,
  });
  await service.tasks.wait(again);
  t.match(service.tasks.status(again), { taskState: 'finished', taskResult: 'cleanSuccess', code: 229 });
  await service.pools.spmStop(spUUID);
});
