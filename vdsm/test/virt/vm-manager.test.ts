// The VM manager on libvirt's test:///default: the real libvirt library and its in-memory driver, no mocks.

import { EventId, LifecycleEvent } from '@vdsm-ts/native/libvirt/index';
import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmError } from '../../src/errors/vdsm-error.js';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import type { KvmSupport } from '../../src/virt/kvm-support.js';
import { VmManager } from '../../src/virt/vm-manager.js';
import { engineVmXml, removeSampleDomain, silentLogger } from './helpers.js';

const KVM: KvmSupport = { usable: false, reason: 'test', useTcg: true, setting: 'auto' };

interface Published {
  vmId: string;
  record: Record<string, unknown>;
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const hypervisor = new HypervisorConnection({ uri: 'test:///default', logger: silentLogger() });
  await hypervisor.connect();
  await removeSampleDomain(hypervisor);
  const events: Published[] = [];
  const make = () =>
    new VmManager({
      hypervisor,
      logger: silentLogger(),
      kvm: KVM,
      publish: (method, params) => {
        const vmId = method.split('|')[3] as string;
        events.push({ vmId, record: params[vmId] as Record<string, unknown> });
      },
      timing: { guestEventMs: 300 },
      shutdownTimeoutSeconds: 2,
    });
  const manager = make();
  await manager.start();
  t.teardown(async () => {
    await manager.stop();
    await hypervisor.close();
  });
  const statuses = (vmId: string) => events.filter((e) => e.vmId === vmId).map((e) => e.record.status);
  return { hypervisor, manager, events, statuses, make };
}

function vdsmCode(fn: () => unknown): Promise<number | undefined> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (err: unknown) => (err instanceof VdsmError ? err.code : -1),
    );
}

t.test('create: WaitForLaunch, Powering up, Up; stats, lists, counts; destroy: Down, gone', async (t) => {
  const { hypervisor, manager, statuses, events } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-a', macs: ['56:6f:00:00:01:01'] });
  const id = uuidOf(xml);
  const created = await manager.create(id, { xml });
  t.equal(created.status, 'WaitForLaunch');
  t.match(created.xml, /^<domain type="test"/, 'kvm mapped to the type test:///default offers');
  await waitUntil(() => statuses(id).includes('Up'), { timeoutMs: 10_000, what: 'Up' });
  t.same(statuses(id), ['WaitForLaunch', 'Powering up', 'Up']);

  const domain = await hypervisor.lookupByUUID(id);
  t.equal((await domain.getState()).state, 1, 'libvirt runs it');
  t.equal(await domain.isPersistent(), true, 'defined persistently, as upstream');
  t.match(await domain.getOvirtMetadata(), /startTime/, 'start time persisted in the ovirt-vm metadata');

  const stats = manager.stats(id);
  t.match(stats, {
    vmId: id,
    status: 'Up',
    vmName: 'mgr-a',
    vmType: 'kvm',
    kvmEnable: 'true',
    acpiEnable: 'true',
    monitorResponse: '0',
    displayInfo: [{ type: 'vnc', ipAddress: '127.0.0.1' }],
  });
  t.match(stats.statusTime, /^\d+$/, 'statusTime is a string of digits');
  t.match(stats, { elapsedTime: /^\d+$/ });
  t.same(
    manager.list().map((vm) => vm.id),
    [id],
  );
  t.match(manager.counts(), { vmCount: 1, vmActive: 1, vmMigrating: 0 });
  const [full] = await manager.fullList([id]);
  t.match(full, { vmId: id, vmName: 'mgr-a', memSize: 128, smp: '1', status: 'Up' });
  t.match(full?.xml, /<domain type=.test./, 'full list carries the live XML');

  await manager.destroy(id, 1);
  t.same(statuses(id), ['WaitForLaunch', 'Powering up', 'Up', 'Down']);
  t.match(events.at(-1)?.record, {
    status: 'Down',
    exitCode: 0,
    exitReason: 6,
    exitMessage: 'Admin shut down from the engine',
  });
  t.same(manager.list(), []);
  t.equal(await vdsmCode(() => hypervisor.lookupByUUID(id)), -1, 'domain undefined in libvirt');
  t.equal(await vdsmCode(() => manager.destroy(id, 1)), 1, 'destroying again: noVM');
  t.equal(await vdsmCode(() => manager.stats(id)), 1);
});

t.test('bad input gets VDSM errors', async (t) => {
  const { manager } = await setup(t);
  t.equal(await vdsmCode(() => manager.create('x', {})), 9, 'no xml: createErr');
  t.equal(await vdsmCode(() => manager.create('x', { xml: '<domain' })), 9, 'malformed');
  t.equal(await vdsmCode(() => manager.create('x', { xml: '<domain type="kvm"/>' })), 9, 'no uuid/name');
  const xml = engineVmXml({ name: 'mgr-b' });
  t.equal(await vdsmCode(() => manager.create('x', { xml, display: 'sdl' })), 9, 'bad legacy display');
  await manager.create(uuidOf(xml), { xml });
  t.equal(await vdsmCode(() => manager.create(uuidOf(xml), { xml })), 4, 'duplicate: exist');
  await waitUntil(() => manager.get(uuidOf(xml)).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  await manager.destroy(uuidOf(xml), 0);
});

t.test('pause, cont, launchPaused and libvirt events', async (t) => {
  const { hypervisor, manager, statuses } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-c' });
  const id = uuidOf(xml);
  await manager.create(id, { xml });
  await waitUntil(() => manager.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  await manager.pause(id);
  t.equal(manager.stats(id).status, 'Paused');
  t.match(manager.stats(id), { pauseCode: 'NOERR' });
  t.equal((await (await hypervisor.lookupByUUID(id)).getState()).state, 3, 'libvirt paused it');
  await manager.cont(id);
  t.equal(manager.get(id).internalStatus, 'Up');
  t.notOk('pauseCode' in manager.stats(id), 'no pauseCode once running');

  // Paused and resumed behind vdsmd's back: libvirt's events drive the status.
  const domain = await hypervisor.lookupByUUID(id);
  await domain.suspend();
  await waitUntil(() => manager.get(id).internalStatus === 'Paused', {
    timeoutMs: 10_000,
    what: 'Paused from the SUSPENDED event',
  });
  await domain.resume();
  await waitUntil(() => manager.get(id).internalStatus === 'Up', {
    timeoutMs: 10_000,
    what: 'Up from the RESUMED event',
  });

  const pausedXml = engineVmXml({
    name: 'mgr-d',
    launchPaused: true,
  });
  const pausedId = uuidOf(pausedXml);
  await manager.create(pausedId, { xml: pausedXml });
  await waitUntil(() => manager.get(pausedId).internalStatus === 'Paused', { timeoutMs: 10_000, what: 'launchPaused' });
  t.same(statuses(pausedId), ['WaitForLaunch', 'Paused']);
  await manager.destroy(pausedId, 1);
  await manager.destroy(id, 1);
});

t.test('a domain that stops behind vdsmd: Down with the reason, kept until destroy', async (t) => {
  const { hypervisor, manager, events } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-e' });
  const id = uuidOf(xml);
  await manager.create(id, { xml });
  await waitUntil(() => manager.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  await (await hypervisor.lookupByUUID(id)).destroy();
  await waitUntil(() => manager.get(id).isDown(), { timeoutMs: 10_000, what: 'Down' });
  t.match(manager.stats(id), {
    status: 'Down',
    exitCode: 1,
    exitReason: 2,
    exitMessage: 'Lost connection with qemu process',
  });
  t.notOk('vmName' in manager.stats(id), 'a Down VM reports only its exit record');
  t.match(manager.counts(), { vmCount: 1, vmActive: 0 });
  t.match(await (await hypervisor.lookupByUUID(id)).getOvirtMetadata(), /<exitReason type="int">2</, 'persisted');
  const downEvents = events.filter((e) => e.vmId === id && e.record.status === 'Down');
  t.equal(downEvents.length, 1, 'one Down event');
  await manager.destroy(id, 1);
  t.equal(
    events.filter((e) => e.vmId === id && e.record.status === 'Down').length,
    1,
    'destroy of a Down VM: no second Down',
  );
});

t.test('shutdown: ACPI, Powering down, then Down(6)', async (t) => {
  const { manager, statuses, events } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-f' });
  const id = uuidOf(xml);
  await manager.create(id, { xml });
  await waitUntil(() => manager.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  manager.shutdown(id, { reboot: false, force: false });
  await waitUntil(() => manager.get(id).isDown(), { timeoutMs: 10_000, what: 'Down' });
  t.ok(statuses(id).includes('Powering down'), 'Powering down reported');
  t.match(events.at(-1)?.record, { status: 'Down', exitCode: 0, exitReason: 6 });
  t.equal(await vdsmCode(() => manager.shutdown(id, { reboot: false, force: false })), 1, 'not running any more');
  await manager.destroy(id, 1);

  const noAcpi = engineVmXml({ name: 'mgr-g' }).replace('<features><acpi/></features>', '');
  await manager.create(uuidOf(noAcpi), { xml: noAcpi });
  await waitUntil(() => manager.get(uuidOf(noAcpi)).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  t.equal(
    await vdsmCode(() => manager.shutdown(uuidOf(noAcpi), { reboot: false, force: false })),
    4,
    'no agent, no ACPI, no force: exist',
  );
  await manager.destroy(uuidOf(noAcpi), 1);
});

t.test('balloon and vCPUs', async (t) => {
  const { hypervisor, manager } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-h', memoryMiB: 256, vcpus: 1, maxVcpus: 2 });
  const id = uuidOf(xml);
  await manager.create(id, { xml });
  await waitUntil(() => manager.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  const vm = manager.get(id);
  await manager.setBalloonTarget(vm.id, 200 * 1024);
  const domain = await hypervisor.lookupByUUID(id);
  t.equal((await domain.getInfo()).memory, 200 * 1024, 'libvirt took the balloon target');
  t.match(await domain.getOvirtMetadata(), /<balloonTarget type="int">204800</);
  t.equal(await vdsmCode(() => manager.setBalloonTarget(vm.id, 512 * 1024)), 91, 'above memory: invalid');
  await manager.setNumberOfCpus(vm.id, 2);
  t.equal((await domain.getInfo()).nrVirtCpu, 2);
  t.match(manager.stats(id), { vcpuCount: '2' });
  t.equal(await vdsmCode(() => manager.setNumberOfCpus(vm.id, 3)), 91, 'above the maximum');
  await manager.destroy(id, 1);
});

t.test('recovery: a restarted manager adopts running VMs and reports those that died meanwhile', async (t) => {
  const { hypervisor, manager, make } = await setup(t);
  const a = engineVmXml({ name: 'rec-a' });
  const b = engineVmXml({ name: 'rec-b' });
  const c = engineVmXml({ name: 'rec-c' });
  const external = engineVmXml({ name: 'rec-ext', external: true }).replace('type="kvm"', 'type="test"');
  for (const xml of [a, b, c]) await manager.create(uuidOf(xml), { xml });
  await waitUntil(() => manager.list().every((vm) => vm.internalStatus === 'Up'), {
    timeoutMs: 10_000,
    what: 'all Up',
  });
  // The start time is written to the metadata right after the Up event; wait for it as a restart would need it.
  for (const xml of [a, b, c]) {
    const domain = await hypervisor.lookupByUUID(uuidOf(xml));
    await waitUntil(async () => (await domain.getOvirtMetadata()).includes('startTime'), {
      timeoutMs: 5000,
      intervalMs: 5,
      what: `startTime in the metadata of ${uuidOf(xml)}`,
    });
  }
  await manager.pause(uuidOf(c));
  const startTime = manager.get(uuidOf(a)).startTime;
  await (await hypervisor.defineXML(external)).create();
  await manager.stop();

  // While "vdsmd is down": b dies.
  let stopped = false;
  const sub = await hypervisor.subscribe(EventId.LIFECYCLE, (e) => {
    if (e.domain.uuid === uuidOf(b) && e.event === LifecycleEvent.STOPPED) stopped = true;
  });
  await (await hypervisor.lookupByUUID(uuidOf(b))).destroy();
  await waitUntil(() => stopped, { timeoutMs: 10_000, what: 'b stopped' });
  await sub.unsubscribe();

  const restarted = make();
  await restarted.start();
  t.teardown(() => restarted.stop());
  t.same(
    restarted
      .list()
      .map((vm) => vm.name)
      .sort(),
    ['rec-a', 'rec-b', 'rec-c', 'rec-ext'],
    'a running domain without oVirt metadata is reported too, as an external VM',
  );
  const extId = uuidOf(external);
  t.match(
    { external: restarted.get(extId).external, status: restarted.stats(extId).status },
    { external: true, status: 'Up' },
  );
  t.equal(restarted.get(uuidOf(a)).external, false);
  t.equal(restarted.get(uuidOf(a)).internalStatus, 'Up');
  await waitUntil(() => restarted.stats(uuidOf(a)).status === 'Up', {
    timeoutMs: 10_000,
    what: 'Powering up ends (counted from the start time)',
  });
  t.equal(restarted.get(uuidOf(a)).startTime, startTime, 'start time from the metadata');
  t.equal(restarted.stats(uuidOf(c)).status, 'Paused');
  t.match(restarted.stats(uuidOf(b)), { status: 'Down', exitReason: 6, exitCode: 0 }, 'destroyed while away');
  t.equal((await (await hypervisor.lookupByUUID(uuidOf(a))).getState()).state, 1, 'guest untouched');
  for (const xml of [a, b, c]) await restarted.destroy(uuidOf(xml), 1);
  await restarted.destroy(extId, 1);
  const ext = await hypervisor.lookupByName('rec-ext');
  t.equal((await ext.getState()).state, 5, 'an external VM is stopped by VM.destroy, its definition left (upstream)');
  t.equal(await ext.getOvirtMetadata().catch(() => 'none'), 'none', 'and no ovirt-vm metadata written into it');
  await ext.undefine();
});

t.test('VM.destroy while the domain is still starting leaves nothing behind', async (t) => {
  const { hypervisor, manager, events } = await setup(t);
  const xml = engineVmXml({ name: 'mgr-early' });
  const id = uuidOf(xml);
  await manager.create(id, { xml });
  await manager.destroy(id, 1);
  t.match(events.at(-1)?.record, { status: 'Down', exitReason: 6 });
  t.equal(await vdsmCode(() => manager.stats(id)), 1, 'gone');
  // The background start may still be finishing: it must stop and undefine what it started.
  const names = await waitUntil(
    async () => {
      const current = (await hypervisor.listAllDomains(0)).map((d) => d.name);
      return current.includes('mgr-early') ? undefined : current;
    },
    { timeoutMs: 5000, what: 'the background start to undefine mgr-early' },
  );
  t.notOk(names.includes('mgr-early'), 'no domain left in libvirt');
});
