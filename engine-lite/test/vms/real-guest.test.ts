// A real TCG guest run by engine-lite: a vdsmd on qemu:///system next to a vdsmd on test:///default (in Maintenance,
// so the scheduler can only place the VM on the real host), a VM with direct kernel boot (os.kernel/initrd/cmdline)
// of the cached tiny guest, Up through monitoring, then stopped (Down).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGuestImage } from '@vdsm-ts/tests/fixtures/guest-image';
import { realGuestSkip, removeDomain, virsh } from '@vdsm-ts/tests/fixtures/guest-run';
import t from 'tap';
import { type RunningEngine, startEngine } from '../../src/runtime.js';
import { EngineClient } from '../../src/sdk/client.js';
import { startPostgres } from '../helpers/postgres.js';
import { startVdsmd, type Vdsmd } from '../helpers/vdsmd.js';

const MONITOR = { pollIntervalMs: 1000, statsEveryPolls: 1, maxMissedPolls: 3, callTimeoutMs: 10_000 };
const QEMU_HOST_VARS = {
  libvirt_uri: 'qemu:///system',
  fake_kvm_support: 'auto',
  vm_sample_interval: '2',
  vm_guest_event_timeout: '2',
};
/** the libvirt network vdsm's setupNetworks defines for ovirtmgmt; the engine's display listens on it */
const DISPLAY_NETWORK = 'vdsm-ovirtmgmt';
/** where the engine's XML puts the guest-agent channel sockets (vdsm's packaging creates it) */
const CHANNELS_DIR = '/var/lib/libvirt/qemu/channels';

/** Defines the display network as a transient, isolated network unless it exists; returns its undo. */
async function ensureDisplayNetwork(dir: string): Promise<() => Promise<void>> {
  const exists = await virsh(['net-info', DISPLAY_NETWORK]).then(
    () => true,
    () => false,
  );
  if (exists) return async () => {};
  const xmlPath = join(dir, 'net.xml');
  const bridge = `vdsmel${randomBytes(3).toString('hex')}`;
  // the display listens on the network's address: a random /30 of the benchmarking range, no DNS or DHCP server
  const [b, c] = randomBytes(2);
  const address = `198.${18 + ((b ?? 0) & 1)}.${c}.1`;
  await writeFile(
    xmlPath,
    `<network><name>${DISPLAY_NETWORK}</name><bridge name="${bridge}"/><dns enable="no"/><ip address="${address}" prefix="30"/></network>`,
  );
  await virsh(['net-create', xmlPath]);
  return async () => {
    await virsh(['net-destroy', DISPLAY_NETWORK]).catch(() => undefined);
  };
}

t.test('engine-lite runs a real guest on a qemu:///system host', { skip: await realGuestSkip(t) }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-guest-'));
  const [server, image] = await Promise.all([startPostgres(), ensureGuestImage()]);
  const daemons: Vdsmd[] = [];
  let engine: RunningEngine | undefined;
  const vmName = `el-guest-${randomBytes(3).toString('hex')}`;
  let dropNetwork = async () => {};
  t.teardown(async () => {
    await removeDomain(vmName).catch(() => undefined);
    await engine?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await dropNetwork();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  dropNetwork = await ensureDisplayNetwork(dir);
  await mkdir(CHANNELS_DIR, { recursive: true, mode: 0o755 });
  const [qemuVdsmd, testVdsmd] = await Promise.all([startVdsmd({ config: { vars: QEMU_HOST_VARS } }), startVdsmd()]);
  daemons.push(qemuVdsmd, testVdsmd);

  engine = await startEngine({ dataDir: dir, db: server.url, port: 0, monitor: MONITOR, adminPassword: 'guest-pw' });
  const api = await EngineClient.login(engine.url, 'admin@internal', 'guest-pw');
  await api.dataCenters.add({ name: 'dc' });
  // TCG runs only old CPU models (libvirt's domain capabilities): the real host has model_Opteron_G2, not EPYC
  await api.clusters.add({ name: 'cl', data_center: { name: 'dc' }, cpu: { type: 'AMD Opteron G2' } });
  const cluster = { name: 'cl' };
  const qemuHost = await api.hosts.add({
    name: 'qemu',
    address: '127.0.0.1',
    port: qemuVdsmd.port,
    cluster,
    tls: false,
  });
  const testHost = await api.hosts.add({
    name: 'test',
    address: '127.0.0.1',
    port: testVdsmd.port,
    cluster,
    tls: false,
  });
  for (const host of [qemuHost, testHost]) {
    const up = await api.waitFor(
      () => api.hosts.get(host.id),
      (h) => h.status !== 'installing' && h.status !== 'initializing' && h.free_memory > 0,
      { timeoutMs: 30_000 },
    );
    t.equal(up.status, 'up', `host ${up.name} Up (${up.status_detail ?? ''})`);
  }
  await api.hosts.deactivate(testHost.id);
  t.equal((await api.hosts.get(testHost.id)).status, 'maintenance', 'the test-driver host is out of scheduling');

  const cmdline = 'console=ttyS0 quiet panic=-1';
  const vm = await api.vms.add({
    name: vmName,
    cluster,
    memory: 256 * 1048576,
    os: { kernel: image.kernel, initrd: image.initrd, cmdline },
  });
  t.match(vm.os, { kernel: image.kernel, initrd: image.initrd, cmdline }, 'direct kernel boot fields kept');
  await api.vms.start(vm.id);
  const seen: string[] = [];
  const up = await api
    .waitFor(
      () => api.vms.get(vm.id),
      (v) => v.status === 'up',
      {
        timeoutMs: 45_000,
        intervalMs: 100,
        onState: (v) => {
          if (seen.at(-1) !== v.status) seen.push(v.status);
        },
      },
    )
    .catch(async (err: unknown) => {
      const events = (await api.events.list(10)).map((e) => `${e.code}: ${e.description}`);
      throw new Error(`${(err as Error).message}; statuses ${seen.join(' → ')}; events: ${events.join(' | ')}`);
    });
  t.comment(`statuses seen through REST: ${seen.join(' → ')}`);
  t.equal(up.host?.id, qemuHost.id, 'placed on the qemu:///system host');
  t.match(await virsh(['domstate', vmName]), /running/, 'QEMU runs the guest');
  const live = await virsh(['dumpxml', vmName]);
  t.match(live, /<domain type='qemu'/, 'under TCG');
  t.match(live, `<kernel>${image.kernel}</kernel>`, 'booting the cached kernel directly');
  t.match(live, `<initrd>${image.initrd}</initrd>`);

  await api.vms.stop(vm.id);
  const down = await api.waitFor(
    () => api.vms.get(vm.id),
    (v) => v.status === 'down',
    { timeoutMs: 15_000 },
  );
  t.equal(down.host, undefined, 'Down and placed nowhere');
  const domains = await virsh(['list', '--all', '--name']);
  t.notOk(domains.split('\n').includes(vmName), 'the domain is gone from libvirt');
});
