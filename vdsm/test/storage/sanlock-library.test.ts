// The storage service talks to sanlock through libsanlock: with our host id joined on a monitored domain and the
// SPM role held (its lease watchdog running), the monitor's checks and the watchdog's rounds start no sanlock
// process (only the monitor's `dd iflag=direct`), and losing the lease behind the SPM's back is still noticed.

import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { Sanlock } from '../../src/storage/sanlock/sanlock.js';
import { makeService, startSanlock } from './helpers.js';

t.test('monitor checks and SPM watchdog rounds spawn no sanlock process', async (t) => {
  const dir = await diskDir(t, 'sanlock-lib');
  const sanlock = await startSanlock(t, dir);
  const shared = join(dir, 'export');
  await mkdir(shared);
  const service = makeService(t, {
    repository: join(dir, 'repo'),
    runDir: join(dir, 'run'),
    sanlockRunDir: sanlock.runDir,
    watchdogMs: 200,
  });
  const client = new Sanlock({ runDir: sanlock.runDir, ioTimeout: 1 });
  t.equal(client.usesLibrary, true, 'the first daemon of this process is reached through libsanlock');
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  await service.connections.connect(4, [{ id: 'c', connection: shared }]);
  await service.domains.create({
    sdUUID,
    domainType: 4,
    remotePath: shared,
    name: 'lib',
    domainClass: 1,
    version: 5,
    blockSize: 512,
  });
  await service.pools.create({ spUUID, name: 'dc', masterSdUUID: sdUUID, masterVersion: 1, domainList: [sdUUID] });
  await service.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdUUID, masterVersion: 1, domainDict: null });
  const taskID = await service.pools.spmStart(spUUID);
  await service.tasks.wait(taskID);
  t.equal(service.tasks.status(taskID).taskResult, 'success', 'SPM started');
  await waitUntil(() => service.domains.repoStats([sdUUID])[sdUUID]?.acquired === true, {
    timeoutMs: 30_000,
    what: 'host id joined by the monitor',
  });

  const started: ChildProcess[] = [];
  const onSpawn = (message: unknown) => started.push((message as { process: ChildProcess }).process);
  diagnostics.subscribe('child_process', onSpawn);
  const firstCheck = service.domains.repoStats([sdUUID])[sdUUID]!.lastCheck;
  const windowStart = Date.now();
  // The window ends with the fourth monitor check (interval 500 ms), not a sleep: about 2 s, 10 watchdog rounds.
  const ddReads = () => started.filter((p) => p.spawnfile === 'dd').length;
  await waitUntil(() => ddReads() >= 4, { timeoutMs: 30_000, what: 'four monitor checks (dd reads)' });
  diagnostics.unsubscribe('child_process', onSpawn);
  const windowMs = Date.now() - windowStart;
  t.ok(windowMs >= 1000, `the window spans several watchdog rounds (${windowMs} ms)`);
  const commands = started.map((p) => p.spawnfile);
  const dd = commands.filter((c) => c === 'dd').length;
  t.ok(dd >= 4, `the monitor checked (${dd} dd reads in ${windowMs} ms; last check ${firstCheck} s ago before it)`);
  t.same(
    commands.filter((c) => c !== 'dd'),
    [],
    'no other process: lockspace and lease checks went through the library',
  );
  t.equal((await service.pools.spmStatus(spUUID)).spmStatus, 'SPM');

  // the SDM lease released behind the SPM's back (as spm.test.ts does): the watchdog, now through the library,
  // still notices and drops the role
  const leases = join(shared, sdUUID, 'dom_md', 'leases');
  await execa('sanlock', ['client', 'release', '-r', `${sdUUID}:SDM:${leases}:1048576`, '-p', String(process.pid)], {
    env: { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
  });
  await waitUntil(async () => (await service.pools.spmStatus(spUUID)).spmStatus === 'Free', {
    timeoutMs: 30_000,
    what: 'the watchdog to drop the role',
  });
  t.pass('SPM role dropped once the lease was gone');
  await service.pools.disconnect(spUUID);
});
