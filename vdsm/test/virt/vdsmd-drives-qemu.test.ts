// Drives naming oVirt images on a real QEMU (qemu:///system): vdsmd prepares the image of VM.create's disk and of a
// hot-plugged one, QEMU opens them on the prepared paths, and each is torn down when unplugged or when the VM goes
// Down. The guest is a bare QEMU (no OS): it only has to hold the disks.

import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { engineDomainXml, uuidOf } from '@vdsm-ts/testing/domain-xml';
import { startSanlockDaemon } from '@vdsm-ts/testing/sanlock-daemon';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';
import { SYSTEM_URI, systemLibvirtSkip } from '../system-libvirt.js';
import { buildDataCenter, dataCenterConfig } from './data-center.js';

const URI = SYSTEM_URI;
const skip = await systemLibvirtSkip();

const gone = (path: string) => execa('test', ['-e', path], { reject: false }).then((r) => r.exitCode !== 0);

t.test('prepared drives on QEMU: at start, hot-plugged, torn down', { skip }, async (t) => {
  const dir = await diskDir(t, 'vm-drives-qemu');
  // QEMU runs as libvirt-qemu: the directories above its disks must be traversable (libvirt relabels only files).
  await chmod(dir, 0o755);
  const sanlock = await startSanlockDaemon(dir);
  t.teardown(() => sanlock.stop().catch(() => {}));
  const daemon = await startVdsmdProcess({
    dir,
    env: { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
    startTimeoutMs: 60_000,
    config: { ...dataCenterConfig(dir), vars: { libvirt_uri: URI, fake_kvm_support: 'auto' } },
  });
  t.teardown(() => daemon.stop());
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const call = <T = unknown>(method: string, params: Record<string, unknown> = {}) =>
    client.call<T>(method, params, { timeoutMs: 60_000 });
  const liveXml = async (vmID: string) =>
    (await call<Record<string, string>>('Host.dumpxmls', { vmList: [vmID] }))[vmID];

  const dc = await buildDataCenter(client, dir);
  const boot = await dc.volume();
  const extra = await dc.volume();
  const ids = (v: { imgUUID: string; volUUID: string }) => ({
    poolID: dc.spUUID,
    domainID: dc.sdUUID,
    imageID: v.imgUUID,
    volumeID: v.volUUID,
  });
  const xml = engineDomainXml({
    name: `vdsm-ts-drives-${boot.imgUUID.slice(0, 8)}`,
    memoryMiB: 64,
    disks: [{ path: dc.enginePath(boot.imgUUID, boot.volUUID), target: 'vda', ids: ids(boot) }],
  });
  const vmID = uuidOf(xml);
  t.teardown(async () => {
    await execa('virsh', ['-c', URI, 'destroy', vmID], { reject: false });
    await execa('virsh', ['-c', URI, 'undefine', vmID], { reject: false });
  });
  await call('VM.create', { vmID, vmParams: { xml } });
  await waitUntil(
    async () =>
      ['Powering up', 'Up', 'Down'].includes(
        (await call<Array<{ status: string }>>('VM.getStats', { vmID }))[0]?.status ?? '',
      ),
    { timeoutMs: 60_000, what: 'the VM started' },
  );
  const [stats] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID });
  t.match(stats, { status: /^(Powering up|Up)$/ }, 'QEMU runs on the prepared disk');
  const bootLink = join(dc.runDir, dc.sdUUID, boot.imgUUID);
  t.match(await liveXml(vmID), `<source file='${join(bootLink, boot.volUUID)}'`, 'vda on the prepared path');

  const extraLink = join(dc.runDir, dc.sdUUID, extra.imgUUID);
  await call('VM.hotplugDisk', {
    vmID,
    params: {
      vmId: vmID,
      xml:
        `<hotplug><devices><disk type="file" device="disk"><driver name="qemu" type="raw"/><source file="${dc.enginePath(extra.imgUUID, extra.volUUID)}"/><target dev="vdb" bus="virtio"/></disk></devices>` +
        `<metadata xmlns:ovirt-vm="http://ovirt.org/vm/1.0"><ovirt-vm:vm><ovirt-vm:device devtype="disk" name="vdb"><ovirt-vm:poolID>${dc.spUUID}</ovirt-vm:poolID><ovirt-vm:domainID>${dc.sdUUID}</ovirt-vm:domainID><ovirt-vm:imageID>${extra.imgUUID}</ovirt-vm:imageID><ovirt-vm:volumeID>${extra.volUUID}</ovirt-vm:volumeID></ovirt-vm:device></ovirt-vm:vm></metadata></hotplug>`,
    },
  });
  t.match(await liveXml(vmID), `<source file='${join(extraLink, extra.volUUID)}'`, 'vdb plugged on its prepared path');
  const blk = await execa('virsh', ['-c', URI, 'domblklist', vmID]);
  t.match(blk.stdout, join(extraLink, extra.volUUID), 'QEMU has it');

  await call('VM.hotunplugDisk', {
    vmID,
    params: { vmId: vmID, xml: '<hotplug><devices><disk><target dev="vdb"/></disk></devices></hotplug>' },
  });
  t.ok(await gone(extraLink), 'the unplugged image is torn down');
  t.notOk(await gone(bootLink), 'the boot image stays prepared');

  t.equal(await call('VM.destroy', { vmID }), true);
  await waitUntil(() => gone(bootLink), { timeoutMs: 10_000, what: 'the boot image torn down' });
  t.pass('torn down when the VM went Down');
  t.notMatch(daemon.log(), /does not fit the schema/, 'no result failed its schema check');
});
