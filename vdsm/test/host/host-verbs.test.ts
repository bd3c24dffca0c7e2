// The Host verbs the engine and hosted engine's broker use, through a real vdsmd (strict mode: every result is
// checked against the schema) with a real supervdsmd and sanlock beside it; the answers are compared with what
// the kernel says directly (/sys, ip), and the key sets with upstream's (upstream-keys.ts).

import { randomUUID } from 'node:crypto';
import { access, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSupervdsmdProcess } from '@vdsm-ts/testing/supervdsmd-process';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient, VdsmRpcError } from '../../src/client/index.js';
import { connectLocalStorage, connectPool, createLocalDomain, createPool } from '../storage/engine-requests.js';
import { startSanlock } from '../storage/helpers.js';
import { UPSTREAM_STATS_KEYS } from './upstream-keys.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

type Obj = Record<string, unknown>;

t.test('Host verbs through vdsmd, supervdsmd and sanlock', async (t) => {
  const dir = await diskDir(t, 'host-verbs');
  const sanlock = await startSanlock(t, dir);
  const supervdsmd = await startSupervdsmdProcess({ dir: join(dir, 'svdsm') });
  t.teardown(() => supervdsmd.stop());
  const shared = join(dir, 'data');
  await mkdir(shared);
  const daemon = await startVdsmdProcess({
    dir,
    env: { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
    startTimeoutMs: 30_000,
    config: {
      vars: { host_sample_stats_interval: 1 },
      irs: { repository: join(dir, 'repo'), sd_health_check_delay: 0.5, storage_run_dir: join(dir, 'run') },
      sanlock: { io_timeout: 1 },
      supervdsm: { socket: supervdsmd.socket },
    },
  });
  t.teardown(() => daemon.stop());
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const call = <T = unknown>(method: string, params: Obj = {}) => client.call<T>(method, params, { timeoutMs: 60_000 });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof VdsmRpcError ? e.code : e),
    );

  t.equal(await call('Host.echo', { message: 'hello engine' }), 'hello engine', 'echo answers the message');
  t.same(await call('Host.getJobs', {}), {}, 'no host jobs exist');
  t.same(await call('Host.getJobs', { job_type: 'storage', job_ids: [randomUUID()] }), {});

  // getHardwareInfo: supervdsmd's DMI read; sysfs DMI (or nothing on a machine without DMI) says the same
  const hw = await call<Obj>('Host.getHardwareInfo');
  if (await exists('/sys/class/dmi/id/sys_vendor')) {
    const vendor = (await readFile('/sys/class/dmi/id/sys_vendor', 'utf8')).trim();
    t.equal(hw.systemManufacturer, vendor, 'systemManufacturer is the DMI vendor');
  } else if (!(await exists('/dev/mem'))) {
    t.same(hw, {}, 'no DMI on this machine: no hardware facts');
  }

  // getCapabilities asks supervdsmd for what only root reads: vnc_tls of qemu.conf
  const qemuConf = await readFile('/etc/libvirt/qemu.conf', 'utf8').catch(() => '');
  const caps = await call<Obj>('Host.getCapabilities');
  t.equal(caps.vncEncrypted, /^\s*vnc_tls\s*=\s*1\s*$/m.test(qemuConf), 'vncEncrypted: vnc_tls of qemu.conf');

  // hostdevListByCaps: one pci_* entry per PCI function of sysfs
  const devices = await call<Record<string, { params: Obj }>>('Host.hostdevListByCaps', {});
  const pciFunctions = (await readdir('/sys/bus/pci/devices').catch(() => [])).sort();
  const pciNames = Object.keys(devices).filter((n) => n.startsWith('pci_'));
  t.same(pciNames.sort(), pciFunctions.map((a) => `pci_${a.replace(/[:.]/g, '_')}`).sort(), 'every PCI function');
  for (const address of pciFunctions.slice(0, 3)) {
    const params = devices[`pci_${address.replace(/[:.]/g, '_')}`]?.params;
    const vendor = (await readFile(`/sys/bus/pci/devices/${address}/vendor`, 'utf8')).trim();
    t.equal(params?.vendor_id, vendor, `${address}: vendor id from sysfs`);
    t.equal(params?.capability, 'pci');
  }
  t.same(devices.computer, { params: { capability: 'system', is_assignable: 'true' } }, "libvirt's root device");
  for (const [name, d] of Object.entries(devices)) {
    const parent = d.params.parent as string | undefined;
    if (d.params.capability !== 'scsi' && parent !== undefined)
      t.ok(parent in devices, `${name}: parent ${parent} is listed`);
  }
  const onlyUsb = await call<Record<string, { params: Obj }>>('Host.hostdevListByCaps', { caps: ['usb_device'] });
  t.ok(
    Object.values(onlyUsb).every((d) => d.params.capability === 'usb_device'),
    'a capability filter keeps only those devices',
  );

  // getNetworkCapabilities: the NICs are the physical devices of /sys/class/net, with their MAC and MTU
  const net = await call<Obj & { nics: Record<string, Obj>; netConfigDirty: string }>('Host.getNetworkCapabilities');
  const physical: string[] = [];
  for (const name of await readdir('/sys/class/net')) {
    if (/^(w|usb)/.test(name)) continue;
    if (await exists(`/sys/class/net/${name}/device`)) physical.push(name);
  }
  t.same(Object.keys(net.nics).sort(), physical.sort(), 'nics: the physical network devices');
  for (const name of physical) {
    const mac = (await readFile(`/sys/class/net/${name}/address`, 'utf8')).trim();
    const mtu = (await readFile(`/sys/class/net/${name}/mtu`, 'utf8')).trim();
    t.equal(net.nics[name]?.hwaddr, mac, `${name}: hwaddr`);
    t.equal(net.nics[name]?.mtu, mtu, `${name}: mtu as a string, as upstream sends it`);
  }
  t.equal(net.netConfigDirty, 'False');
  t.same(Object.keys(net.networks as Obj), [], 'vdsm configured no networks');

  const netStats = await call<{ network: Obj }>('Host.getNetworkStatistics');
  t.same(Object.keys(netStats.network).sort(), (await readdir('/sys/class/net')).sort(), 'a counter set per link');

  const lldp = await call<Record<string, { enabled: boolean; tlvs: unknown[] }>>('Host.getLldp', { filter: {} });
  t.same(Object.keys(lldp).sort(), physical.sort(), 'LLDP of every NIC for an empty filter');
  t.ok(
    Object.values(lldp).every((l) => l.enabled === false && l.tlvs.length === 0),
    'no lldpad: LLDP off everywhere',
  );

  // getStats: upstream's keys, and haStats following setHaMaintenanceMode
  await waitUntil(async () => 'hugepages' in (await call<Obj>('Host.getStats')), {
    timeoutMs: 10_000,
    what: 'a second host sample',
  });
  const stats = await call<Obj>('Host.getStats');
  t.same(Object.keys(stats).sort(), [...UPSTREAM_STATS_KEYS].sort(), 'getStats: exactly upstream keys');
  t.same(stats.haStats, {
    configured: false,
    active: false,
    score: 0,
    globalMaintenance: false,
    localMaintenance: false,
  });
  t.equal(stats.momStatus, 'inactive', 'no MOM');
  t.same(stats.v2vJobs, {});
  t.same(Object.keys(stats.diskStats as Obj), ['/tmp', '/var/log', '/var/run/vdsm/']);
  t.ok(Object.keys(stats.numaNodeMemFree as Obj).length >= 1, 'free memory of every NUMA node');
  t.equal(await call('Host.setHaMaintenanceMode', { mode: 'GLOBAL', enabled: true }), true);
  t.match((await call<Obj>('Host.getStats')).haStats, { globalMaintenance: true, localMaintenance: false });
  await call('Host.setHaMaintenanceMode', { mode: 'LOCAL', enabled: true });
  await call('Host.setHaMaintenanceMode', { mode: 'GLOBAL', enabled: false });
  t.match((await call<Obj>('Host.getStats')).haStats, { globalMaintenance: false, localMaintenance: true });
  t.equal(await code(call('Host.setHaMaintenanceMode', { mode: 'NONE', enabled: true })), -32602, 'unknown mode');

  // start/stopMonitoringDomain: a domain of no pool, monitored with our host id (hosted engine's broker)
  const sdUUID = randomUUID();
  const connId = randomUUID();
  await call('StoragePool.connectStorageServer', connectLocalStorage(shared, connId));
  await call('StorageDomain.create', createLocalDomain(sdUUID, shared, 'hosted_storage'));
  t.same(await call('Host.getStorageRepoStats', {}), {}, 'nothing monitored without a pool');
  t.equal(await call('Host.startMonitoringDomain', { sdUUID, hostID: 1 }), true);
  type Vitals = Record<string, { actual: boolean; valid: boolean; acquired: boolean }>;
  await waitUntil(
    async () => {
      const v = (await call<Vitals>('Host.getStorageRepoStats', { domains: [sdUUID] }))[sdUUID];
      return v?.actual === true && v.valid && v.acquired;
    },
    { timeoutMs: 60_000, what: 'the domain checked and our host id acquired' },
  );
  t.ok(sdUUID in ((await call<Obj>('Host.getStats')).storageDomains as Obj), 'getStats reports it too');

  // a pool on another domain comes and goes; the hosted-engine domain stays monitored, the pool's may not be stopped
  const poolSd = randomUUID();
  const spUUID = randomUUID();
  const poolDir = join(dir, 'pool-data');
  await mkdir(poolDir);
  await call('StoragePool.connectStorageServer', connectLocalStorage(poolDir, randomUUID()));
  await call('StorageDomain.create', createLocalDomain(poolSd, poolDir, 'data'));
  await call('StoragePool.create', createPool(spUUID, poolSd, 'dc'));
  await call('StoragePool.connect', connectPool(spUUID, poolSd));
  t.same(Object.keys(await call<Obj>('Host.getStorageRepoStats', {})).sort(), [poolSd, sdUUID].sort());
  t.equal(await code(call('Host.stopMonitoringDomain', { sdUUID: poolSd })), 900, "the pool's domain: 900");
  await call('StoragePool.disconnect', { storagepoolID: spUUID, hostID: 1, scsiKey: spUUID, remove: false });
  t.same(Object.keys(await call<Obj>('Host.getStorageRepoStats', {})), [sdUUID], 'pool gone, hosted engine stays');

  t.equal(await call('Host.stopMonitoringDomain', { sdUUID }), true);
  t.same(await call('Host.getStorageRepoStats', {}), {}, 'no longer monitored');
  t.notMatch(daemon.log(), /does not fit the schema/, 'no result failed its schema check');
});
