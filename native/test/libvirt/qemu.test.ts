import { randomUUID } from 'node:crypto';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import {
  Connection,
  type DomainHandle,
  DomainState,
  ErrorCode,
  EventId,
  LifecycleEvent,
  type LifecycleEventData,
  StatsGroup,
} from '../../src/libvirt/index.js';
import { openSystem } from './helpers.js';

// A diskless TCG guest: QEMU runs SeaBIOS, which is a real running guest with real CPU counters.
function guestXml(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}

t.test('a real QEMU/TCG guest through qemu:///system', async (t) => {
  const c = await openSystem();
  if (typeof c === 'string') return t.plan(0, c);
  const name = `vdsmts-native-${randomUUID().slice(0, 8)}`;
  let dom: DomainHandle | undefined;
  t.teardown(async () => {
    await cleanup(c, name);
    await c.close();
  });

  const events: LifecycleEventData[] = [];
  const sub = await c.subscribe(EventId.LIFECYCLE, (e) => {
    if (e.domain.name === name) events.push(e);
  });
  const seen = (ev: number) => () => events.some((e) => e.event === ev);

  dom = await c.defineXML(guestXml(name));
  await waitUntil(seen(LifecycleEvent.DEFINED), { timeoutMs: 10_000, what: 'DEFINED' });
  await dom.create();
  await waitUntil(seen(LifecycleEvent.STARTED), { timeoutMs: 10_000, what: 'STARTED' });
  t.equal((await dom.getState()).state, DomainState.RUNNING);
  const running = await c.lookupByName(name);
  t.ok(running.id > 0, 'running domain has an ID');

  // Real counters: CPU time grows while SeaBIOS runs.
  const sample = async () => (await c.domainListGetStats([running], 0))[0];
  const first = await sample();
  t.equal(first?.name, name);
  t.same(first?.state, { state: DomainState.RUNNING, reason: 1 /* BOOTED */ });
  t.ok((first?.cpu?.time ?? 0) > 0, `cpu.time ${first?.cpu?.time}`);
  t.equal(first?.vcpu?.current, 1);
  t.equal(first?.vcpu?.items?.[0]?.state, 1, 'vCPU 0 running');
  t.equal(first?.balloon?.maximum, 64 * 1024);
  let second = await sample();
  const deadline = Date.now() + 10_000;
  while ((second?.cpu?.time ?? 0) <= (first?.cpu?.time ?? 0) && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    second = await sample();
  }
  t.ok((second?.cpu?.time ?? 0) > (first?.cpu?.time ?? 0), 'cpu.time increases');
  const bulk = await c.getAllDomainStats(StatsGroup.STATE | StatsGroup.CPU_TOTAL);
  t.ok(
    bulk.some((r) => r.name === name && (r.cpu?.time ?? 0) > 0),
    'getAllDomainStats includes the guest',
  );

  const info = await dom.getInfo();
  t.equal(info.nrVirtCpu, 1);
  t.equal(info.maxMem, 64 * 1024);
  t.same((await dom.getJobStats()).type, 0, 'no job running');
  await t.rejects(dom.qemuAgentCommand('{"execute":"guest-ping"}', 1), {
    name: 'LibvirtError',
    code: ErrorCode.ARGUMENT_UNSUPPORTED,
  });
  await t.rejects(dom.blockJobInfo('vda'), { name: 'LibvirtError', code: ErrorCode.INVALID_ARG });
  // Live hot-plug of a user-mode NIC (no host networking involved) raises DEVICE_ADDED.
  const added: string[] = [];
  const devSub = await c.subscribe(EventId.DEVICE_ADDED, (e) => added.push(e.devAlias), running);
  await dom.attachDevice("<interface type='user'><model type='virtio'/><alias name='ua-nic1'/></interface>", 1);
  await waitUntil(() => added.includes('ua-nic1'), { timeoutMs: 10_000, what: 'DEVICE_ADDED ua-nic1' });
  t.match(await dom.getXMLDesc(), /<alias name='ua-nic1'\/>/);
  await devSub.unsubscribe();
  await dom.migrateSetMaxSpeed(100);
  t.equal(await dom.migrateGetMaxSpeed(), 100);

  await dom.suspend();
  await waitUntil(seen(LifecycleEvent.SUSPENDED), { timeoutMs: 10_000, what: 'SUSPENDED' });
  t.equal((await dom.getState()).state, DomainState.PAUSED);
  await dom.resume();
  await waitUntil(seen(LifecycleEvent.RESUMED), { timeoutMs: 10_000, what: 'RESUMED' });
  t.equal((await dom.getState()).state, DomainState.RUNNING);

  await dom.destroy();
  await waitUntil(seen(LifecycleEvent.STOPPED), { timeoutMs: 10_000, what: 'STOPPED' });
  t.equal((await dom.getState()).state, DomainState.SHUTOFF);
  await dom.undefine();
  await waitUntil(seen(LifecycleEvent.UNDEFINED), { timeoutMs: 10_000, what: 'UNDEFINED' });
  dom = undefined;
  await sub.unsubscribe();

  // QEMU also reports extra transitions (RESUMED as it leaves its initial pause, SHUTDOWN on destroy); the
  // ones we caused must all be there, in order.
  const want = [
    LifecycleEvent.DEFINED,
    LifecycleEvent.STARTED,
    LifecycleEvent.SUSPENDED,
    LifecycleEvent.RESUMED,
    LifecycleEvent.STOPPED,
    LifecycleEvent.UNDEFINED,
  ];
  const got = events.map((e) => e.event);
  let k = 0;
  for (const e of got) if (e === want[k]) k++;
  t.equal(k, want.length, `lifecycle sequence ${JSON.stringify(got)} contains ${JSON.stringify(want)} in order`);
});

async function cleanup(c: Connection, name: string): Promise<void> {
  const d = await c.lookupByName(name).catch(() => undefined);
  if (d === undefined) return;
  await d.destroy().catch(() => {});
  await d.undefine().catch(() => {});
}

t.test('host calls on qemu:///system', async (t) => {
  const c = await openSystem();
  if (typeof c === 'string') return t.plan(0, c);
  t.teardown(() => c.close());
  t.equal(await c.setKeepAlive(5, 3), 0, 'keepalive enabled on a remote connection');
  t.ok(c.isAlive());
  t.ok((await c.getVersion()) > 0, 'QEMU version');
  t.match(await c.getDomainCapabilities({ virtType: 'qemu', arch: 'x86_64' }), /<domainCapabilities>/);
  const mem = await c.getNodeMemoryStats();
  t.ok((mem.total ?? 0) > 0 && (mem.free ?? 0) > 0, 'node memory stats');
  const cpu = await c.getNodeCPUStats();
  t.ok((cpu.user ?? 0) > 0, 'node CPU stats');
  t.ok((await c.getNodeInfo()).cpus >= 1);

  const r = await Connection.open({ uri: 'qemu:///system', readOnly: true });
  t.teardown(() => r.close());
  t.equal(r.isReadOnly(), true);
  await t.rejects(r.defineXML(guestXml('vdsmts-ro-never')), {
    name: 'LibvirtError',
    code: ErrorCode.OPERATION_DENIED,
  });
});
