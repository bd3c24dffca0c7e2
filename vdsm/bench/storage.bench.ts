// Storage benchmarks on a LOCALFS domain with its own sanlock daemon (io_timeout 1):
// - storage.spmStart: StoragePool.spmStart until the SPM role (host id on the master, SDM lease, task machinery)
//   against the bare sanlock floor measured in the same run (add_lockspace + acquire through the sanlock command).
// - storage.volumes.create-delete: 100 sparse qcow2 volumes created (Volume.create task) and deleted (Image.delete
//   task) through the JSON-RPC API, against 100 bare `qemu-img create` + unlink.
// - storage.monitor.cpu-per-check / storage.monitor.read-bytes-per-check: the domain monitor over 20 LOCALFS domains
//   for 10 checks each (100 ms interval, no host ids): CPU of this process plus its reaped children (the dd
//   processes; /proc/self/stat utime+stime+cutime+cstime) and storage reads (/proc/self/io read_bytes, which also
//   counts reaped children) per check, against the same number of bare `dd iflag=direct` reads of the same
//   metadata files. The -hostid results: the same with our host id joined on every domain (each check also asks
//   sanlock whether the lockspace is still held), and the processes started per check.
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import { DomainFinder } from '../src/storage/domain/domain-finder.js';
import { FileStorageDomain } from '../src/storage/domain/file-domain.js';
import { DomainMonitor } from '../src/storage/monitor/domain-monitor.js';
import { Sanlock } from '../src/storage/sanlock/sanlock.js';
import { SanlockSession } from '../src/storage/sanlock/session.js';
import type { StorageServices } from '../src/storage/storage-service.js';
import { apiDispatcher } from '../test/api/api-dispatcher.js';
import { spmStart } from '../test/storage/engine-requests.js';
import { makeService, startSanlock } from '../test/storage/helpers.js';

const VOLUMES = 100;
const MONITORED_DOMAINS = 20;
const CHECKS_PER_DOMAIN = 10;
const BLANK = '00000000-0000-0000-0000-000000000000';
const line = (bench: string, value: number, unit: string, baseline: string, ratio: number) =>
  process.stdout.write(
    `${JSON.stringify({ bench, value: Number(value.toFixed(1)), unit, baseline, ratio: Number(ratio.toFixed(2)) })}\n`,
  );

/** CPU time (ms) of this process and its reaped children, and bytes it (and they) fetched from storage. */
async function usage(): Promise<{ cpuMs: number; readBytes: number }> {
  const [stat, io] = await Promise.all([readFile('/proc/self/stat', 'utf8'), readFile('/proc/self/io', 'utf8')]);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime in clock ticks (USER_HZ = 100 on Linux)
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  const readBytes = Number(/^read_bytes: (\d+)$/m.exec(io)?.[1] ?? Number.NaN);
  return { cpuMs: ticks * 10, readBytes };
}

/** Counts the monitor's domain look-ups: one per check. */
class CountingFinder extends DomainFinder {
  lookups = 0;
  override get(sdUUID: string, refresh = false): Promise<FileStorageDomain> {
    this.lookups++;
    return super.get(sdUUID, refresh);
  }
}

async function monitorBench(dir: string, sanlockRunDir: string): Promise<void> {
  // the monitor's own session with the bench's daemon (the service's is internal to it)
  const monitorSession = new SanlockSession({ runDir: sanlockRunDir, ioTimeout: 1 });
  teardowns.push(() => monitorSession.close());
  const repository = join(dir, 'monitor-repo');
  const exported = join(repository, 'mnt', 'bench-export');
  await mkdir(exported, { recursive: true });
  const formatter = new Sanlock({ ioTimeout: 1 });
  const domains: FileStorageDomain[] = [];
  for (let i = 0; i < MONITORED_DOMAINS; i++) {
    const params = {
      mountPoint: exported,
      sdUUID: randomUUID(),
      type: 'LOCALFS',
      domainClass: 'Data',
      description: `monitored ${i}`,
      version: 5,
      remotePath: exported,
      blockSize: 512,
    } as const;
    domains.push(await FileStorageDomain.create(params, formatter));
  }
  const checks = MONITORED_DOMAINS * CHECKS_PER_DOMAIN;

  const finder = new CountingFinder(repository);
  const monitor = new DomainMonitor({ finder, sanlock: monitorSession, intervalMs: 100 });
  let before = await usage();
  for (const d of domains) monitor.start(d.sdUUID, null);
  await waitUntil(() => finder.lookups >= checks, { timeoutMs: 120_000, what: 'the monitor checks' });
  await monitor.stopAll();
  const counted = finder.lookups;
  await new Promise((r) => setTimeout(r, 300)); // the checks in flight finish
  let after = await usage();
  const monitorCpu = (after.cpuMs - before.cpuMs) / counted;
  const monitorBytes = (after.readBytes - before.readBytes) / counted;
  if (!Object.values(monitor.allVitals()).every((v) => v.valid) && Object.keys(monitor.allVitals()).length > 0)
    throw new Error('a monitored domain was not valid');

  before = await usage();
  for (let i = 0; i < checks; i++) {
    const metadata = domains[i % domains.length]!.layout.metadata;
    await execa('dd', [`if=${metadata}`, 'of=/dev/null', 'bs=4096', 'count=1', 'iflag=direct'], { timeout: 10_000 });
  }
  after = await usage();
  const bareCpu = (after.cpuMs - before.cpuMs) / checks;
  const bareBytes = (after.readBytes - before.readBytes) / checks;
  const baseline = `bare dd iflag=direct of the same metadata file (${MONITORED_DOMAINS} domains x ${CHECKS_PER_DOMAIN} checks)`;
  line('storage.monitor.cpu-per-check', monitorCpu, 'ms CPU', baseline, monitorCpu / bareCpu);
  line('storage.monitor.read-bytes-per-check', monitorBytes, 'bytes', baseline, monitorBytes / bareBytes);

  // The same domains with our host id joined: every check also asks sanlock whether the lockspace is still held.
  const joined = new CountingFinder(repository);
  const withIds = new DomainMonitor({ finder: joined, sanlock: monitorSession, intervalMs: 100 });
  for (const d of domains) withIds.start(d.sdUUID, 1);
  await waitUntil(() => Object.values(withIds.allVitals()).filter((v) => v.acquired).length === domains.length, {
    timeoutMs: 300_000,
    what: 'host id 1 joined on every monitored domain',
  });
  const spawned = countSpawns();
  const startLookups = joined.lookups;
  before = await usage();
  await waitUntil(() => joined.lookups - startLookups >= checks, {
    timeoutMs: 120_000,
    what: 'the monitor checks with host ids',
  });
  const countedWithIds = joined.lookups - startLookups;
  after = await usage();
  const spawns = spawned.stop();
  await withIds.stopAll();
  const idsCpu = (after.cpuMs - before.cpuMs) / countedWithIds;
  line('storage.monitor.cpu-per-check-hostid', idsCpu, 'ms CPU', baseline, idsCpu / bareCpu);
  line(
    'storage.monitor.spawns-per-check-hostid',
    spawns / countedWithIds,
    'processes',
    'one dd per check',
    spawns / countedWithIds,
  );
}

/** Counts the child processes this process starts until stop() (node:diagnostics_channel `child_process`). */
function countSpawns(): { stop(): number } {
  let count = 0;
  const onSpawn = () => {
    count++;
  };
  diagnostics.subscribe('child_process', onSpawn);
  return {
    stop: () => {
      diagnostics.unsubscribe('child_process', onSpawn);
      return count;
    },
  };
}

const teardowns: Array<() => unknown> = [];
const t = { teardown: (fn: () => unknown) => teardowns.push(fn) };

async function main(): Promise<void> {
  const dir = await diskDir(t, 'bench');
  const sanlock = await startSanlock(t, dir);
  const env = { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' };

  // floor: a bare lockspace join and lease acquisition by the sanlock command
  const floorDir = join(dir, 'floor');
  await mkdir(floorDir);
  await execa('truncate', ['-s', '0', join(floorDir, 'ids'), join(floorDir, 'leases')]);
  await execa('sanlock', ['direct', 'init', '-s', `FLOOR:0:${join(floorDir, 'ids')}:0`, '-o', '1'], { env });
  await execa('sanlock', ['direct', 'init', '-r', `FLOOR:SDM:${join(floorDir, 'leases')}:1048576`, '-o', '1'], { env });
  let started = performance.now();
  await execa('sanlock', ['client', 'add_lockspace', '-s', `FLOOR:1:${join(floorDir, 'ids')}:0`, '-o', '1'], { env });
  const holder = execa('sleep', ['60'], { reject: false });
  await execa(
    'sanlock',
    ['client', 'acquire', '-r', `FLOOR:SDM:${join(floorDir, 'leases')}:1048576`, '-p', String(holder.pid)],
    { env, reject: false },
  );
  const floorMs = performance.now() - started;
  holder.kill();
  await holder;
  await execa('sanlock', ['client', 'rem_lockspace', '-s', `FLOOR:1:${join(floorDir, 'ids')}:0`], {
    env,
    reject: false,
  });

  const shared = join(dir, 'data');
  await mkdir(shared);
  const storage: StorageServices = makeService(t, {
    repository: join(dir, 'repo'),
    runDir: join(dir, 'run'),
    sanlockRunDir: sanlock.runDir,
  });
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  await storage.connections.connect(4, [{ id: 'c', connection: shared }]);
  await storage.domains.create({
    sdUUID,
    domainType: 4,
    remotePath: shared,
    name: 'bench',
    domainClass: 'Data',
    version: 5,
    blockSize: 512,
  });
  await storage.pools.create({ spUUID, name: 'bench', masterSdUUID: sdUUID, masterVersion: 1, domainList: [sdUUID] });
  await storage.pools.connect({ spUUID, hostId: 1, masterSdUUID: sdUUID, masterVersion: 1, domainDict: null });

  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const api = apiDispatcher({
    config: defaultConfig(),
    logging: new Logging({ name: 'bench', level: 'fatal' }, sink),
    storage,
    // measured as the daemon runs by default
    strict: false,
  });
  api.setReady(true);
  teardowns.push(() => api.close());
  let id = 0;
  const call = async <T>(method: string, params: Record<string, unknown>): Promise<T> => {
    const reply = JSON.parse(
      (await api.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: ++id }), {
        transport: 'stomp',
        peer: 'bench',
      }))!,
    ) as {
      result?: T;
      error?: { code: number; message: string };
    };
    if (reply.error !== undefined) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.result as T;
  };
  const task = async (taskID: string) => {
    await storage.tasks.wait(taskID);
    const status = await call<{ taskResult: string; message: string }>('Task.getStatus', { taskID });
    if (status.taskResult !== 'success') throw new Error(`task ${taskID}: ${status.message}`);
  };

  started = performance.now();
  await task(await call<string>('StoragePool.spmStart', spmStart(spUUID)));
  const spmMs = performance.now() - started;
  line('storage.spmStart', spmMs, 'ms', 'sanlock add_lockspace + acquire (io_timeout 1)', spmMs / floorMs);

  // floor: bare qemu-img create + unlink
  const bare = join(dir, 'bare');
  await mkdir(bare);
  started = performance.now();
  for (let i = 0; i < VOLUMES; i++) {
    const p = join(bare, String(i));
    await execa('qemu-img', ['create', '-f', 'qcow2', '-o', 'compat=1.1', p, String(1024 ** 3)]);
    await rm(p);
  }
  const bareMs = performance.now() - started;

  started = performance.now();
  for (let i = 0; i < VOLUMES; i++) {
    const imageID = randomUUID();
    await task(
      await call<string>('Volume.create', {
        volumeID: randomUUID(),
        storagepoolID: spUUID,
        storagedomainID: sdUUID,
        imageID,
        size: String(1024 ** 3),
        volFormat: 'COW',
        preallocate: 'SPARSE',
        diskType: 'DATA',
        desc: '',
        srcImgUUID: BLANK,
        srcVolUUID: BLANK,
      }),
    );
    await task(
      await call<string>('Image.delete', {
        imageID,
        storagepoolID: spUUID,
        storagedomainID: sdUUID,
        postZero: false,
        force: false,
      }),
    );
  }
  const apiMs = performance.now() - started;
  line('storage.volumes.create-delete', apiMs / VOLUMES, 'ms/volume', 'qemu-img create + unlink', apiMs / bareMs);
  await storage.pools.spmStop(spUUID);
  await monitorBench(dir, sanlock.runDir);
}

try {
  await main();
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
