/**
 * vdsmd running a real guest under qemu:///system through the real RPC path (vdsmd process, STOMP, client library):
 * the engine's `<domain type='kvm'>` XML, status events Powering up -> Up, stats from the sampler, console ticket,
 * pause/cont, disk hot-plug, NIC link state, ACPI shutdown -> Down(6), and a guest that ignores ACPI destroyed.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { engineDomainXml, randomMac } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { ensureGuestImage } from '../../src/fixtures/guest-image.js';
import { ACPI_IGNORED_MARKER, BOOT_MARKER, HOTPLUG_MARKER } from '../../src/fixtures/guest-init.js';
import { createGuestNetwork } from '../../src/fixtures/guest-net.js';
import {
  makeGuestRunDir,
  realGuestSkip,
  removeDomain,
  virsh,
  waitForSerialLine,
} from '../../src/fixtures/guest-run.js';
import { startVdsmd } from './vdsmd.js';

const BOOT_TIMEOUT_MS = 90_000;
const GUEST_EVENT_S = 4;
const SAMPLE_S = 2;

async function sparseDisk(path: string, mib: number): Promise<string> {
  await writeFile(path, '');
  await truncate(path, mib * 1024 * 1024);
  return path;
}

t.test('a real guest through vdsmd', { skip: await realGuestSkip(t) }, async (t) => {
  const runDir = await makeGuestRunDir('vdsm-ts-virt-');
  t.teardown(runDir.remove);
  const [image, network] = await Promise.all([ensureGuestImage(), createGuestNetwork()]);
  t.teardown(network.remove);
  const repository = join(runDir.path, 'repo');
  const vdsmd = await startVdsmd(
    runDir.path,
    {
      libvirt_uri: 'qemu:///system',
      fake_kvm_support: 'auto',
      vm_sample_interval: String(SAMPLE_S),
      vm_guest_event_timeout: String(GUEST_EVENT_S),
    },
    undefined,
    repository,
  );
  t.teardown(vdsmd.stop);
  const call = <T = unknown>(method: string, params: Record<string, unknown>) => vdsmd.client.call<T>(method, params);

  await t.test('create, stats, ticket, pause/cont, hot(un)plug, link, ACPI shutdown', async (t) => {
    const name = `vdsm-virt-${randomUUID().slice(0, 8)}`;
    const vmId = randomUUID();
    const mac = randomMac();
    const serialLog = join(runDir.path, `${name}.serial.log`);
    t.teardown(() => removeDomain(name));
    const ids = { poolID: randomUUID(), domainID: randomUUID(), imageID: randomUUID(), volumeID: randomUUID() };
    const base = ids.volumeID;
    // The disk's metadata names no pool: not a pool image, so vdsmd runs it on the given path (drive preparation
    // through storage is tested in vdsm/test/virt/vdsmd-drives.test.ts).
    const diskIds = { domainID: ids.domainID, imageID: ids.imageID, volumeID: ids.volumeID };
    const xml = engineDomainXml({
      name,
      uuid: vmId,
      boot: { kernel: image.kernel, initrd: image.initrd, ip: network.guestCidr, hostname: name },
      serial: { type: 'file', path: serialLog },
      nics: [{ mac, source: { type: 'bridge', bridge: network.bridge } }],
      disks: [{ path: await sparseDisk(join(runDir.path, base), 16), target: 'vda', ids: diskIds }],
      vncPassword: 'expired',
    });
    t.match(xml, /^<domain type="kvm"/, 'the engine asks for kvm');

    const created = await call<Record<string, unknown>>('VM.create', { vmID: vmId, vmParams: { xml } });
    t.match(created, { vmId, status: 'WaitForLaunch' });
    t.match(String(created.xml), /^<domain type="qemu"/, 'vdsmd runs it under TCG here (PVM-only /dev/kvm)');
    const poweringUp = await vdsmd.waitForStatus(vmId, 'Powering up', 60_000);
    t.match(
      poweringUp.record,
      { elapsedTime: /^\d+$/, monitorResponse: '0', timeOffset: '0' },
      "status events carry upstream's running fields",
    );
    await vdsmd.waitForStatus(vmId, 'Up', 60_000);
    t.same(vdsmd.statuses(vmId).slice(0, 3), ['WaitForLaunch', 'Powering up', 'Up']);
    await waitForSerialLine(serialLog, BOOT_MARKER, BOOT_TIMEOUT_MS);

    // Traffic to the guest, then stats with rates: CPU and the NIC counters come from the sampler.
    let answered = 0;
    await waitUntil(async () => ((await network.pingGuest()) && ++answered >= 3 ? true : undefined), {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: 30_000,
      what: 'three answered pings',
    });
    const stats = await waitUntil(
      async () => {
        const [s] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID: vmId });
        const nics = Object.values((s?.network ?? {}) as Record<string, { rx?: string; tx?: string }>);
        const busy = Number(s?.cpuUser ?? 0) + Number(s?.cpuSys ?? 0);
        return busy > 0 && nics.some((n) => Number(n.rx) > 0 && Number(n.tx) > 0) ? s : undefined;
      },
      { retryOnError: true, timeoutMs: 30_000, intervalMs: 500, what: 'VM.getStats with CPU rates and NIC counters' },
    );
    t.match(stats, { vmId, status: 'Up', vmName: name, monitorResponse: '0', acpiEnable: 'true' });
    t.comment(`cpuUser ${stats.cpuUser} cpuSys ${stats.cpuSys} network ${JSON.stringify(stats.network)}`);
    const display = (stats.displayInfo as Array<Record<string, string>>)[0];
    t.match(display, { type: 'vnc', ipAddress: '127.0.0.1' });
    t.ok(Number(display?.port) >= 5900, `VNC port ${display?.port} from the live XML`);

    // Other tests may run guests on the same libvirtd at the same time; vdsmd adopts theirs too.
    const listed = await call<Array<Record<string, unknown>>>('Host.getVMList', {});
    t.match(
      listed.filter((v) => v.vmId === vmId),
      [{ vmId, status: 'Up' }],
    );
    const all = await call<Array<Record<string, unknown>>>('Host.getAllVmStats', {});
    t.ok(all.some((s) => s.vmId === vmId && s.status === 'Up'));
    const hostStats = await call<Record<string, unknown>>('Host.getStats', {});
    t.ok(Number(hostStats.vmCount) >= 1 && Number(hostStats.vmActive) >= 1, 'Host.getStats counts it');

    await call('VM.setTicket', {
      vmID: vmId,
      password: 's3cret',
      ttl: 120,
      existingConnAction: 'disconnect',
      params: {},
    });
    const secure = await virsh(['dumpxml', '--security-info', name]);
    t.match(secure, /passwd='s3cret'/, 'password set live');
    const validTo = /passwdValidTo='([^']+)'/.exec(secure)?.[1] ?? '';
    t.ok(Date.parse(`${validTo}Z`) > Date.now() + 60_000, `valid until ${validTo} UTC`);

    await call('VM.pause', { vmID: vmId });
    await vdsmd.waitForStatus(vmId, 'Paused', 10_000);
    t.match(await virsh(['domstate', name]), /paused/);
    await call('VM.cont', { vmID: vmId });
    await waitUntil(async () => ((await virsh(['domstate', name])).includes('running') ? true : undefined), {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: 10_000,
      what: 'running again',
    });
    t.equal(vdsmd.statuses(vmId).at(-1), 'Up', 'Up again after cont');

    const extra = await sparseDisk(join(runDir.path, `${name}-vdb.img`), 8);
    await call('VM.hotplugDisk', {
      vmID: vmId,
      params: {
        vmId,
        xml: `<?xml version='1.0' encoding='UTF-8'?><hotplug><devices><disk type="file" device="disk"><driver name="qemu" type="raw" cache="none"/><source file="${extra}"/><target dev="vdb" bus="virtio"/></disk></devices></hotplug>`,
      },
    });
    await waitForSerialLine(serialLog, `${HOTPLUG_MARKER} add block vdb`, 30_000);
    t.pass('the guest saw the hot-plugged disk');
    await call('VM.hotunplugDisk', {
      vmID: vmId,
      params: { vmId, xml: `<hotplug><devices><disk><target dev="vdb"/></disk></devices></hotplug>` },
    });
    await waitForSerialLine(serialLog, `${HOTPLUG_MARKER} remove block vdb`, 30_000);
    t.pass('and its unplug');

    const mac2 = randomMac();
    await call('VM.hotplugNic', {
      vmID: vmId,
      params: {
        vmId,
        xml: `<hotplug><devices><interface type="bridge"><mac address="${mac2}"/><source bridge="${network.bridge}"/><model type="virtio"/></interface></devices><metadata xmlns:ovirt-vm="http://ovirt.org/vm/1.0"><ovirt-vm:vm><ovirt-vm:device mac_address="${mac2}"><ovirt-vm:network>second</ovirt-vm:network></ovirt-vm:device></ovirt-vm:vm></metadata></hotplug>`,
      },
    });
    await waitForSerialLine(serialLog, `${HOTPLUG_MARKER} add net`, 30_000);
    t.match(
      await virsh(['metadata', name, 'http://ovirt.org/vm/1.0']),
      /<network>second<\/network>/,
      'device metadata merged',
    );
    await call('VM.hotunplugNic', {
      vmID: vmId,
      params: { vmId, xml: `<hotplug><devices><interface><mac address="${mac2}"/></interface></devices></hotplug>` },
    });
    await waitForSerialLine(serialLog, `${HOTPLUG_MARKER} remove net`, 30_000);
    t.pass('NIC plugged and unplugged');

    const alias = /<interface type='bridge'>[\s\S]*?<alias name='([^']+)'\/>/.exec(await virsh(['dumpxml', name]))?.[1];
    t.ok(alias, `NIC alias ${alias}`);
    await call('VM.updateDevice', { vmID: vmId, params: { deviceType: 'interface', alias, linkActive: false } });
    t.match(await virsh(['domif-getlink', name, mac]), /down/, 'link down');

    // Live external snapshots: disks only, then disks and memory. The engine creates the new volumes first.
    const overlay = async (backing: string, format: string) => {
      const volume = randomUUID();
      await execa(
        'qemu-img',
        ['create', '-f', 'qcow2', '-F', format, '-b', join(runDir.path, backing), join(runDir.path, volume)],
        { timeout: 30_000, maxBuffer: 64 * 1024 },
      );
      return volume;
    };
    const vol1 = await overlay(base, 'raw');
    await call('VM.snapshot', {
      vmID: vmId,
      snapDrives: [{ domainID: ids.domainID, imageID: ids.imageID, volumeID: vol1, baseVolumeID: base }],
    });
    t.match(await virsh(['domblklist', name]), join(runDir.path, vol1), 'vda now writes to the new volume');
    const vol2 = await overlay(vol1, 'qcow2');
    const [memImg, memVol, confImg, confVol] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const volumePath = (img: string, vol: string) => join(repository, ids.poolID, ids.domainID, 'images', img, vol);
    for (const [img, vol] of [
      [memImg, memVol],
      [confImg, confVol],
    ] as const) {
      await mkdir(join(repository, ids.poolID, ids.domainID, 'images', img), { recursive: true });
      await writeFile(volumePath(img, vol), '');
    }
    await call('VM.snapshot', {
      vmID: vmId,
      snapDrives: [{ domainID: ids.domainID, imageID: ids.imageID, volumeID: vol2, baseVolumeID: vol1 }],
      snapMemory: [ids.domainID, ids.poolID, memImg, memVol, confImg, confVol].join(','),
    });
    t.match(await virsh(['domblklist', name]), join(runDir.path, vol2), 'memory snapshot switched vda too');
    t.ok((await stat(volumePath(memImg, memVol))).size > 1024 * 1024, 'guest memory written to its volume');
    t.match(await readFile(volumePath(confImg, confVol), 'utf8'), /<domain /, 'configuration volume written');
    t.match(await virsh(['domstate', name]), /running/, 'the guest runs on');
    t.match(await virsh(['metadata', name, 'http://ovirt.org/vm/1.0']), `<volumeID>${vol2}</volumeID>`);

    // Reboot (VM.shutdown with reboot): ACPI power button, QEMU resets the guest, libvirt's REBOOT event.
    const boots = async () =>
      (await readFile(serialLog, 'utf8')).split(/\r?\n/).filter((l) => l.includes(BOOT_MARKER)).length;
    const bootsBefore = await boots();
    const eventsBefore = vdsmd.events.length;
    const rebootStart = performance.now();
    await call('VM.shutdown', { vmID: vmId, reboot: true, timeout: 60 });
    await waitUntil(async () => ((await boots()) > bootsBefore ? true : undefined), {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: BOOT_TIMEOUT_MS,
      what: 'the guest to boot again',
    });
    const afterReboot = await waitUntil(
      async () => {
        const after = vdsmd.events.slice(eventsBefore).filter((e) => e.vmId === vmId);
        const i = after.findIndex((e) => e.status === 'RebootInProgress');
        return i >= 0 && after.slice(i + 1).some((e) => e.status === 'Up') ? after.map((e) => e.status) : undefined;
      },
      { retryOnError: true, timeoutMs: 30_000, intervalMs: 200, what: 'RebootInProgress then Up' },
    );
    t.notOk(afterReboot.includes('Down'), `rebooted without going Down: ${afterReboot.join(' -> ')}`);
    t.match(await virsh(['domstate', name]), /running/);
    const [rebooted] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID: vmId });
    t.ok(
      Number(rebooted?.elapsedTime) <= Math.ceil((performance.now() - rebootStart) / 1000),
      'elapsedTime restarts at the reboot',
    );
    t.comment(`VM.shutdown(reboot) -> booted again and Up ${Math.round(performance.now() - rebootStart)} ms`);

    await call('VM.shutdown', { vmID: vmId, reboot: false, timeout: 60 });
    const down = await vdsmd.waitForStatus(vmId, 'Down', 60_000);
    t.match(down.record, {
      status: 'Down',
      exitCode: 0,
      exitReason: 6,
      exitMessage: 'Admin shut down from the engine',
    });
    t.ok(vdsmd.statuses(vmId).includes('Powering down'), 'Powering down while the guest shut down');
    const [afterDown] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID: vmId });
    t.match(afterDown, { status: 'Down', exitReason: 6 }, 'Down VMs stay listed until destroyed');
    await call('VM.destroy', { vmID: vmId });
    t.notOk((await call<string[]>('Host.getVMList', { onlyUUID: true })).includes(vmId), 'gone after VM.destroy');
    t.notOk((await virsh(['list', '--all', '--name'])).split('\n').includes(name), 'undefined in libvirt');
  });

  await t.test('a guest that ignores ACPI: shutdown does nothing, destroy stops it', async (t) => {
    const name = `vdsm-hung-${randomUUID().slice(0, 8)}`;
    const vmId = randomUUID();
    const serialLog = join(runDir.path, `${name}.serial.log`);
    t.teardown(() => removeDomain(name));
    const xml = engineDomainXml({
      name,
      uuid: vmId,
      boot: { kernel: image.kernel, initrd: image.initrd, acpi: 'ignore' },
      serial: { type: 'file', path: serialLog },
    });
    await call('VM.create', { vmID: vmId, vmParams: { xml } });
    await vdsmd.waitForStatus(vmId, 'Up', 60_000);
    await waitForSerialLine(serialLog, BOOT_MARKER, BOOT_TIMEOUT_MS);
    await call('VM.shutdown', { vmID: vmId, reboot: false, timeout: 2, force: false });
    await waitForSerialLine(serialLog, ACPI_IGNORED_MARKER, 30_000);
    const [s] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID: vmId });
    t.equal(s?.status, 'Powering down', 'still running, reported Powering down');
    t.match(await virsh(['domstate', name]), /running/);
    await call('VM.destroy', { vmID: vmId });
    const down = await vdsmd.waitForStatus(vmId, 'Down', 30_000);
    t.match(down.record, { exitCode: 0, exitReason: 6 });
    t.notOk((await virsh(['list', '--all', '--name'])).split('\n').includes(name), 'destroyed and undefined');
  });
});
