/**
 * vdsmd restarts while its guests run (qemu:///system): the new process recovers every VM from libvirt (status,
 * start time, stats, metadata) without touching the guests, keeps driving them (events, pause), and reports a VM
 * whose guest died while vdsmd was away as Down with the reason.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { holdAdoptionLock } from '@vdsm-ts/testing/adoption-lock';
import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';
import t from 'tap';
import { ensureGuestImage } from '../../src/fixtures/guest-image.js';
import { BOOT_MARKER } from '../../src/fixtures/guest-init.js';
import {
  domainState,
  makeGuestRunDir,
  realGuestSkip,
  removeDomain,
  virsh,
  waitForSerialLine,
} from '../../src/fixtures/guest-run.js';
import { startVdsmd } from './vdsmd.js';

const BOOT_TIMEOUT_MS = 90_000;

t.test('vdsmd restart recovers running guests', { skip: await realGuestSkip(t) }, async (t) => {
  const runDir = await makeGuestRunDir('vdsm-ts-recovery-');
  t.teardown(runDir.remove);
  const image = await ensureGuestImage();
  const vars = { libvirt_uri: 'qemu:///system', vm_sample_interval: '2', vm_guest_event_timeout: '2' };
  // Until the second vdsmd has recovered them, no other test's vdsmd may adopt these domains: one that did would see
  // the destroy happen, report it as its own (LOST_QEMU_CONNECTION) and persist that, and recovery rightly trusts it.
  const releaseAdoption = await holdAdoptionLock();
  t.teardown(releaseAdoption);
  const first = await startVdsmd(runDir.path, vars);
  let firstStopped = false;
  t.teardown(async () => {
    if (!firstStopped) await first.stop();
  });

  const guests = ['keep', 'dies'].map((role) => {
    const name = `vdsm-rec-${role}-${randomUUID().slice(0, 8)}`;
    return { name, vmId: randomUUID(), serialLog: join(runDir.path, `${name}.serial.log`) };
  });
  for (const g of guests) {
    t.teardown(() => removeDomain(g.name));
    const xml = engineDomainXml({
      name: g.name,
      uuid: g.vmId,
      boot: { kernel: image.kernel, initrd: image.initrd },
      serial: { type: 'file', path: g.serialLog },
      vncPassword: 'x',
    });
    await first.client.call('VM.create', { vmID: g.vmId, vmParams: { xml } });
  }
  const [keep, dies] = guests as [(typeof guests)[0], (typeof guests)[0]];
  for (const g of guests) {
    await first.waitForStatus(g.vmId, 'Up', 60_000);
    await waitForSerialLine(g.serialLog, BOOT_MARKER, BOOT_TIMEOUT_MS);
  }
  const [before] = await first.client.call<Array<Record<string, unknown>>>('VM.getStats', { vmID: keep.vmId });
  const qemuPid = await readFile(`/run/libvirt/qemu/${keep.name}.pid`, 'utf8');

  await first.stop();
  firstStopped = true;
  t.match(await domainState(keep.name), /running/, 'stopping vdsmd leaves the guests running');
  await virsh(['destroy', dies.name]);

  const second = await startVdsmd(runDir.path, vars);
  t.teardown(second.stop);
  const list = await second.client.call<Array<{ vmId: string; status: string }>>('Host.getVMList', {});
  const byId = new Map(list.map((v) => [v.vmId, v.status]));
  t.equal(byId.get(keep.vmId), 'Up', 'the running guest is recovered Up');
  t.equal(byId.get(dies.vmId), 'Down', 'the guest that died meanwhile is Down');
  const [after] = await second.client.call<Array<Record<string, unknown>>>('VM.getStats', { vmID: keep.vmId });
  t.match(after, { vmId: keep.vmId, status: 'Up', vmName: keep.name });
  t.ok(
    Number(after?.elapsedTime) >= Number(before?.elapsedTime),
    `elapsedTime continues from the persisted start time (${before?.elapsedTime} -> ${after?.elapsedTime} s)`,
  );
  const display = (after?.displayInfo ?? []) as Array<{ port: string }>;
  t.ok(Number(display[0]?.port) >= 5900, 'console port recovered');
  t.equal(await readFile(`/run/libvirt/qemu/${keep.name}.pid`, 'utf8'), qemuPid, 'the same QEMU keeps running');
  const [down] = await second.client.call<Array<Record<string, unknown>>>('VM.getStats', { vmID: dies.vmId });
  t.match(down, { status: 'Down', exitCode: 0, exitReason: 6 }, 'destroyed while away: the reason libvirt kept');
  await releaseAdoption();

  await second.client.call('VM.pause', { vmID: keep.vmId });
  await second.waitForStatus(keep.vmId, 'Paused', 10_000);
  await second.client.call('VM.cont', { vmID: keep.vmId });
  t.match(await domainState(keep.name), /running/);
  for (const g of guests) await second.client.call('VM.destroy', { vmID: g.vmId });
  const left = await second.client.call<string[]>('Host.getVMList', { onlyUUID: true });
  t.notOk(
    left.some((id) => id === keep.vmId || id === dies.vmId),
    'both destroyed',
  );
});
