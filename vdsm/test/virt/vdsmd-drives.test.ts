// VM.create's storage side through a real vdsmd (test:///default) with a LOCALFS data center in a temp dir, its own
// sanlock daemon and a volume the engine's verbs created: a drive naming that image gets the prepared path and is torn
// down when the VM goes Down; a drive naming an image the domain lacks ends the VM Down with upstream's exit reason,
// and a hot-plugged one naming a missing image is refused.

import { randomUUID } from 'node:crypto';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { engineDomainXml, uuidOf } from '@vdsm-ts/testing/domain-xml';
import { startSanlockDaemon } from '@vdsm-ts/testing/sanlock-daemon';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';
import { buildDataCenter, dataCenterConfig } from './data-center.js';

t.test('VM.create prepares the drives that name oVirt images', async (t) => {
  const dir = await diskDir(t, 'vm-drives');
  const sanlock = await startSanlockDaemon(dir);
  t.teardown(() => sanlock.stop().catch(() => {}));
  const daemon = await startVdsmdProcess({
    dir,
    env: { SANLOCK_RUN_DIR: sanlock.runDir, SANLOCK_PRIVILEGED: '0' },
    startTimeoutMs: 30_000,
    config: dataCenterConfig(dir),
  });
  t.teardown(() => daemon.stop());
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const events: Array<{ vmId: string; body: Record<string, unknown> }> = [];
  client.subscribeEvents((method, params) => {
    const vmId = /^\|virt\|VM_status\|(.+)$/.exec(method)?.[1];
    if (vmId !== undefined) events.push({ vmId, body: params[vmId] as Record<string, unknown> });
  });
  const call = <T = unknown>(method: string, params: Record<string, unknown> = {}) =>
    client.call<T>(method, params, { timeoutMs: 60_000 });

  const dc = await buildDataCenter(client, dir);
  const { spUUID, sdUUID, runDir, enginePath } = dc;
  const { imgUUID, volUUID } = await dc.volume();
  const vmXml = (name: string, img: string, vol: string) =>
    engineDomainXml({
      name,
      memoryMiB: 128,
      disks: [
        {
          path: enginePath(img, vol),
          target: 'vda',
          ids: { poolID: spUUID, domainID: sdUUID, imageID: img, volumeID: vol },
        },
      ],
    });

  await t.test('an image the domain lacks: Down, exitCode 1, exitReason 1 (GENERIC_ERROR), VolumeError', async (t) => {
    const missing = randomUUID();
    const xml = vmXml('no-image', missing, randomUUID());
    const vmID = uuidOf(xml);
    t.match(await call('VM.create', { vmID, vmParams: { xml } }), { vmId: vmID, status: 'WaitForLaunch' });
    await waitUntil(
      async () => (await call<Array<{ status: string }>>('VM.getStats', { vmID }))[0]?.status === 'Down',
      {
        timeoutMs: 30_000,
        what: 'the VM Down',
      },
    );
    const [stats] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID });
    t.match(stats, { status: 'Down', exitCode: 1, exitReason: 1 });
    t.match(stats?.exitMessage, /^Bad volume specification .*"imageID":"[0-9a-f-]{36}"/, 'upstream VolumeError text');
    t.match(String(stats?.exitMessage), missing, 'naming the missing image');
    const down = events.filter((e) => e.vmId === vmID && e.body.status === 'Down');
    t.equal(down.length, 1, 'one Down event');
    t.same(
      Object.keys(down[0]?.body ?? {}).sort(),
      ['exitCode', 'exitMessage', 'exitReason', 'status', 'timeOffset', 'vmId'],
      'the Down event body is upstream _getDownVmStats (vmId, status, exit record, timeOffset)',
    );
    t.same(
      events.filter((e) => e.vmId === vmID).map((e) => e.body.status),
      ['WaitForLaunch', 'Down'],
      'never started',
    );
    t.equal(await call('VM.destroy', { vmID }), true);
  });

  await t.test('an image that exists: the prepared path in the domain, torn down at Down', async (t) => {
    const xml = vmXml('with-image', imgUUID, volUUID);
    const vmID = uuidOf(xml);
    await call('VM.create', { vmID, vmParams: { xml } });
    await waitUntil(
      async () =>
        ['Powering up', 'Up', 'Down'].includes(
          (await call<Array<{ status: string }>>('VM.getStats', { vmID }))[0]?.status ?? '',
        ),
      { timeoutMs: 30_000, what: 'the VM started' },
    );
    const [running] = await call<Array<Record<string, unknown>>>('VM.getStats', { vmID });
    t.match(running, { status: /^(Powering up|Up)$/, vmJobs: {} }, 'running, with no block jobs');
    const link = join(runDir, sdUUID, imgUUID);
    const prepared = join(link, volUUID);
    t.match(await readlink(link), `/${sdUUID}/images/${imgUUID}`, "the image's directory is linked under the run dir");
    const xmls = await call<Record<string, string>>('Host.dumpxmls', { vmList: [vmID] });
    t.same(Object.keys(xmls), [vmID]);
    t.match(xmls[vmID], `<source file='${prepared}'/>`, 'the domain uses the prepared path');
    t.notMatch(xmls[vmID], enginePath(imgUUID, volUUID), "not the engine's");
    const policies = await call<Record<string, { current_values: unknown[] }>>('Host.getAllVmIoTunePolicies');
    t.match(
      policies[vmID]?.current_values,
      [{ name: 'vda', path: prepared, ioTune: { total_bytes_sec: 0, read_iops_sec: 0 } }],
      "the drive's live limits (none set: 0)",
    );
    // A hot-plugged disk naming an image is prepared before it is attached: one whose image is missing is refused
    // before libvirt sees it (the test driver cannot hot-plug; vdsmd-drives-qemu.test.ts plugs one on QEMU).
    const hotplugXml = (img: string, vol: string) =>
      `<hotplug><devices><disk type="file" device="disk"><driver name="qemu" type="raw"/><source file="${enginePath(img, vol)}"/><target dev="vdb" bus="virtio"/></disk></devices><metadata xmlns:ovirt-vm="http://ovirt.org/vm/1.0"><ovirt-vm:vm><ovirt-vm:device devtype="disk" name="vdb"><ovirt-vm:poolID>${spUUID}</ovirt-vm:poolID><ovirt-vm:domainID>${sdUUID}</ovirt-vm:domainID><ovirt-vm:imageID>${img}</ovirt-vm:imageID><ovirt-vm:volumeID>${vol}</ovirt-vm:volumeID></ovirt-vm:device></ovirt-vm:vm></metadata></hotplug>`;
    const failed = await call('VM.hotplugDisk', {
      vmID,
      params: { vmId: vmID, xml: hotplugXml(randomUUID(), randomUUID()) },
    }).catch((e: unknown) => e);
    t.match(failed, { code: 100, message: /Bad volume specification/ }, 'a missing image is not plugged');
    t.notMatch((await call<Record<string, string>>('Host.dumpxmls', { vmList: [vmID] }))[vmID], "dev='vdb'");

    t.equal(await call('VM.destroy', { vmID }), true);
    await waitUntil(
      () =>
        lstat(link).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 10_000, what: 'the image link removed' },
    );
    t.pass('torn down when the VM went Down');
  });

  t.notMatch(daemon.log(), /does not fit the schema/, 'no result failed its schema check');
});
