/**
 * VM.setIoTune / VM.getIoTune through vdsmd on a real QEMU/TCG guest (qemu:///system): limits applied live and to
 * the persistent config, visible to `virsh blkdeviotune`, recorded in the ovirt-vm metadata; bad input answers a
 * VDSM error and changes nothing. The guest only has to run (QEMU applies block limits without the guest's help),
 * so the test does not wait for it to boot.
 */
import { randomUUID } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';
import t from 'tap';
import { ensureGuestImage } from '../../src/fixtures/guest-image.js';
import { makeGuestRunDir, realGuestSkip, removeDomain, virsh } from '../../src/fixtures/guest-run.js';
import { startVdsmd } from './vdsmd.js';

/** `virsh blkdeviotune` output ("total_bytes_sec: 10485760" lines) as numbers. */
function parseBlkdeviotune(out: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s*:\s*(\d+)\s*$/.exec(line);
    if (m?.[1] !== undefined) limits[m[1]] = Number(m[2]);
  }
  return limits;
}

t.test('VM.setIoTune on a real guest', { skip: await realGuestSkip(t) }, async (t) => {
  const runDir = await makeGuestRunDir('vdsm-ts-iotune-');
  t.teardown(runDir.remove);
  const image = await ensureGuestImage();
  const vdsmd = await startVdsmd(runDir.path, {
    libvirt_uri: 'qemu:///system',
    fake_kvm_support: 'auto',
    vm_guest_event_timeout: '2',
  });
  t.teardown(vdsmd.stop);
  const call = <T = unknown>(method: string, params: Record<string, unknown>) => vdsmd.client.call<T>(method, params);
  const rpcError = (code: number, message: RegExp) => ({ name: 'VdsmRpcError', code, message });

  const name = `vdsm-iotune-${randomUUID().slice(0, 8)}`;
  const vmID = randomUUID();
  t.teardown(() => removeDomain(name));
  const diskPath = join(runDir.path, 'disk.img');
  await writeFile(diskPath, '');
  await truncate(diskPath, 16 * 1024 * 1024);
  const xml = engineDomainXml({
    name,
    uuid: vmID,
    boot: { kernel: image.kernel, initrd: image.initrd, hostname: name },
    serial: { type: 'file', path: join(runDir.path, 'serial.log') },
    disks: [{ path: diskPath, target: 'vda' }],
  });
  await call('VM.create', { vmID, vmParams: { xml } });
  await vdsmd.waitForStatus(vmID, 'Up', 60_000);

  const blkdeviotune = async (...extra: string[]) =>
    parseBlkdeviotune(await virsh(['blkdeviotune', name, 'vda', ...extra]));
  const ioTune = () => call<Array<Record<string, unknown>>>('VM.getIoTune', { vmID });

  await t.test('limits applied live and to the config, read back three ways', async (t) => {
    t.same(await ioTune(), [], 'no limits at first');
    const answer = await call('VM.setIoTune', {
      vmID,
      tunables: [{ name: 'vda', ioTune: { total_bytes_sec: 10_485_760, read_iops_sec: 300 } }],
    });
    t.match(answer, { code: 0 });
    // VM.getIoTune lists the limits the live XML has (libvirt leaves zeros out).
    t.match(await ioTune(), [
      { name: 'vda', path: diskPath, ioTune: { total_bytes_sec: 10_485_760, read_iops_sec: 300 } },
    ]);
    t.match(await blkdeviotune(), { total_bytes_sec: 10_485_760, read_iops_sec: 300, write_iops_sec: 0 }, 'live');
    t.match(await blkdeviotune('--config'), { total_bytes_sec: 10_485_760, read_iops_sec: 300 }, 'persistent');

    // By path this time; limits the entry leaves out keep their value.
    await call('VM.setIoTune', { vmID, tunables: [{ path: diskPath, ioTune: { write_iops_sec: '50' } }] });
    t.match(await blkdeviotune(), { total_bytes_sec: 10_485_760, read_iops_sec: 300, write_iops_sec: 50 });
    t.match(await ioTune(), [{ name: 'vda', ioTune: { total_bytes_sec: 10_485_760, write_iops_sec: 50 } }]);

    const metadata = await virsh(['metadata', name, 'http://ovirt.org/vm/1.0']);
    const device = /<device devtype="disk" name="vda">[\s\S]*?<\/device>/.exec(metadata)?.[0] ?? '';
    t.match(device, /<ioTune>[\s\S]*<write_iops_sec type="int">50<\/write_iops_sec>[\s\S]*<\/ioTune>/);
    t.match(device, /<total_bytes_sec type="int">10485760<\/total_bytes_sec>/, 'ovirt-vm metadata records them');
  });

  await t.test('bad input answers a VDSM error and changes nothing', async (t) => {
    const set = (tunables: unknown) => call('VM.setIoTune', { vmID, tunables });
    await t.rejects(
      set([{ name: 'vdz', ioTune: { total_iops_sec: 5 } }]),
      rpcError(56, /non-existent device name=vdz/),
    );
    await t.rejects(set([{ path: '/no/such/disk', ioTune: { total_iops_sec: 5 } }]), rpcError(56, /\/no\/such\/disk/));
    // Values the schema's uint refuses are stopped by the API's parameter check before VM.setIoTune runs.
    const invalidParams = -32602;
    await t.rejects(
      set([{ name: 'vda', ioTune: { total_bytes_sec: -1 } }]),
      rpcError(invalidParams, /ioTune\.total_bytes_sec: expected uint/),
    );
    await t.rejects(set([{ name: 'vda', ioTune: { total_iops_sec: 1.5 } }]), rpcError(invalidParams, /uint/));
    await t.rejects(set([{ name: 'vda', ioTune: { total_iops_sec: '-5' } }]), rpcError(invalidParams, /uint/));
    await t.rejects(set([{ name: 'vda', ioTune: { fastest: 1 } }]), rpcError(91, /unknown ioTune limit fastest/));
    await t.rejects(set([{ ioTune: { total_iops_sec: 5 } }]), rpcError(11, /name or path/));
    // A good entry followed by a bad one: nothing applied, the whole list is checked first.
    await t.rejects(
      set([
        { name: 'vda', ioTune: { total_iops_sec: 7 } },
        { name: 'vdz', ioTune: { total_iops_sec: 7 } },
      ]),
      rpcError(56, /vdz/),
    );
    // QEMU's own rule: a total limit and a read/write limit of the same kind exclude each other.
    await t.rejects(set([{ name: 'vda', ioTune: { read_bytes_sec: 1000 } }]), rpcError(56, /I\/O limits of vda: .+/));
    t.match(await blkdeviotune(), { total_bytes_sec: 10_485_760, read_bytes_sec: 0, total_iops_sec: 0 });
    await t.rejects(call('VM.setIoTune', { vmID: randomUUID(), tunables: [] }), { name: 'VdsmRpcError', code: 1 });
  });

  await t.test('zero removes a limit', async (t) => {
    const zero = { total_bytes_sec: 0, read_iops_sec: 0, write_iops_sec: 0 };
    await call('VM.setIoTune', { vmID, tunables: [{ name: 'vda', ioTune: zero }] });
    t.match(await blkdeviotune(), { total_bytes_sec: 0, read_iops_sec: 0, write_iops_sec: 0 });
    const after = await ioTune();
    t.ok(
      after.every((e) => Object.values(e.ioTune as Record<string, number>).every((v) => v === 0)),
      'VM.getIoTune reports no limit',
    );
  });

  await call('VM.destroy', { vmID });
});
