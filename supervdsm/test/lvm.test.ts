import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { loopDevice, tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { hasDeviceMapper } from '../src/ops/lvm-command.js';
import { clientFor, sh, startDaemon } from './helpers.js';

const MiB = 1024 * 1024;

async function loopDisk(t: Tap, dir: string, name: string, sizeMiB: number): Promise<{ dev: string; file: string }> {
  const file = join(dir, name);
  await truncate(file, 0).catch(() => {});
  return { dev: await loopDevice(t, file, sizeMiB), file };
}
type Tap = { teardown(fn: () => unknown): void };

t.test('LVM metadata on loop devices, scoped to the named devices', async (t) => {
  const dir = await tempDir(t, 'svdsm-lvm-', { mode: 0o755 });
  const a = await loopDisk(t, dir, 'a.img', 128);
  const b = await loopDisk(t, dir, 'b.img', 128);
  const d = await startDaemon(t);
  const lvm = clientFor(t, d.socket).ops;
  const devices = [a.dev, b.dev];
  const vg = `vg_svdsm_${process.pid}`;

  await lvm.lvmPvCreate({ devices, pvs: devices, metadataSize: '4m' });
  const pvs = await lvm.lvmPvs({ devices });
  t.same(pvs.map((p) => p.name).sort(), [...devices].sort(), 'both PVs reported');
  t.ok(
    pvs.every((p) => p.size > 100 * MiB && p.uuid.length > 0 && p.vgName === ''),
    'sizes and uuids, no VG yet',
  );

  const tags = ['RHAT_storage_domain', 'MDT_VERSION=5', 'MDT_DESCRIPTION=a&32&b'];
  await lvm.lvmVgCreate({ devices, vg, pvs: [a.dev], extentSize: '4m', tags });
  let [info] = await lvm.lvmVgs({ devices });
  t.match(info, { name: vg, pvCount: 1, lvCount: 0, extentSize: 4 * MiB }, 'VG created on one PV');
  t.same([...(info?.tags ?? [])].sort(), [...tags].sort(), 'VG tags as given (VDSM metadata characters included)');
  t.same(await lvm.lvmVgs({ devices: [b.dev] }), [], 'a scope without its PV does not see the VG');

  await lvm.lvmVgExtend({ devices, vg, pvs: [b.dev] });
  [info] = await lvm.lvmVgs({ devices });
  t.equal(info?.pvCount, 2, 'vgextend');
  await lvm.lvmVgReduce({ devices, vg, pvs: [b.dev] });
  [info] = await lvm.lvmVgs({ devices });
  t.equal(info?.pvCount, 1, 'vgreduce');

  await lvm.lvmLvCreate({ devices, vg, lv: 'metadata', sizeMiB: 8, tags: ['IU_img', 'PU_parent'], activate: false });
  let lvs = await lvm.lvmLvs({ devices, vg });
  t.match(lvs, [{ name: 'metadata', vgName: vg, size: 8 * MiB, active: false }], 'LV created, inactive');
  t.same([...(lvs[0]?.tags ?? [])].sort(), ['IU_img', 'PU_parent']);

  await lvm.lvmLvExtend({ devices, vg, lv: 'metadata', sizeMiB: 20 });
  t.equal((await lvm.lvmLvs({ devices, vg }))[0]?.size, 20 * MiB, 'lvextend');
  await lvm.lvmLvReduce({ devices, vg, lv: 'metadata', sizeMiB: 12 });
  t.equal((await lvm.lvmLvs({ devices, vg }))[0]?.size, 12 * MiB, 'lvreduce');

  await lvm.lvmChangeTags({ devices, vg, lv: 'metadata', add: ['MD_4'], del: ['PU_parent'] });
  lvs = await lvm.lvmLvs({ devices, vg });
  t.same([...(lvs[0]?.tags ?? [])].sort(), ['IU_img', 'MD_4'], 'LV tags changed');
  await lvm.lvmChangeTags({ devices, vg, add: ['MDT_POOL_UUID=x'], del: ['RHAT_storage_domain'] });
  [info] = await lvm.lvmVgs({ devices });
  t.same(
    [...(info?.tags ?? [])].sort(),
    ['MDT_DESCRIPTION=a&32&b', 'MDT_POOL_UUID=x', 'MDT_VERSION=5'],
    'VG tags changed',
  );

  await t.rejects(lvm.lvmVgCreate({ devices, vg, pvs: [b.dev] }), { code: 'COMMAND_FAILED' }, 'lvm errors come back');

  // Grow the backing file, tell the loop driver, and let the PV take the space.
  const before = (await lvm.lvmPvs({ devices })).find((p) => p.name === a.dev)?.size ?? 0;
  await sh(['truncate', '-s', '192M', a.file]);
  await sh(['losetup', '-c', a.dev]);
  await lvm.lvmPvResize({ devices, pv: a.dev });
  const after = (await lvm.lvmPvs({ devices })).find((p) => p.name === a.dev)?.size ?? 0;
  t.ok(after >= before + 60 * MiB, `pvresize grew the PV (${before} -> ${after})`);

  t.test('activation', async (t) => {
    if (!(await hasDeviceMapper())) {
      await t.rejects(
        lvm.lvmActivate({ devices, vg, lvs: ['metadata'], active: true }),
        { code: 'NOT_AVAILABLE', message: /kernel lacks device-mapper/ },
        'refused clearly without device-mapper',
      );
      await t.rejects(lvm.lvmLvCreate({ devices, vg, lv: 'ids', sizeMiB: 8 }), { code: 'NOT_AVAILABLE' });
      t.pass('activating an LV', { skip: 'kernel lacks device-mapper' });
      return;
    }
    await lvm.lvmActivate({ devices, vg, lvs: ['metadata'], active: true });
    t.equal((await lvm.lvmLvs({ devices, vg }))[0]?.active, true, 'active');
    await lvm.lvmActivate({ devices, vg, lvs: ['metadata'], active: false });
    t.equal((await lvm.lvmLvs({ devices, vg }))[0]?.active, false, 'inactive again');
  });

  await lvm.lvmLvRemove({ devices, vg, lv: 'metadata' });
  t.same(await lvm.lvmLvs({ devices, vg }), [], 'lvremove');
  await lvm.lvmVgRemove({ devices, vg });
  t.same(await lvm.lvmVgs({ devices }), [], 'vgremove');
});
