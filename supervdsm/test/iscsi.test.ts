import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { clientFor, sh, startDaemon } from './helpers.js';

const MiB = 1024 * 1024;

t.test('iSCSI against a userspace target (tgtd on loopback): discovery and LUN inquiry', async (t) => {
  const dir = await tempDir(t, 'svdsm-iscsi-', { mode: 0o755 });
  const port = await freePort();
  // tgtd's control socket is /var/run/tgtd/socket.<N>: a number of our own keeps other tgtds out of the way.
  const control = String(100 + (process.pid % 30000));
  const tgtd = execa('tgtd', ['-f', '-C', control, '--iscsi', `portal=127.0.0.1:${port}`], {
    reject: false,
    stdout: 'ignore',
    stderr: 'ignore',
    timeout: 300_000,
  });
  t.teardown(() => tgtd.kill('SIGKILL'));
  const tgtadm = (...args: string[]): Promise<string> => sh(['tgtadm', '-C', control, '--lld', 'iscsi', ...args]);
  await waitUntil(
    () =>
      tgtadm('--mode', 'target', '--op', 'show').then(
        () => true,
        () => false,
      ),
    { timeoutMs: 10_000, what: 'tgtd to answer' },
  );

  const iqn = 'iqn.2026-11.org.vdsm-ts:storage.one';
  const other = 'iqn.2026-11.org.vdsm-ts:storage.two';
  for (const [tid, name] of [
    ['1', iqn],
    ['2', other],
  ] as const) {
    await tgtadm('--mode', 'target', '--op', 'new', '--tid', tid, '--targetname', name);
    await tgtadm('--mode', 'target', '--op', 'bind', '--tid', tid, '--initiator-address', 'ALL');
  }
  for (const [lun, size] of [
    [1, 64],
    [2, 32],
  ] as const) {
    const file = join(dir, `lun${lun}.img`);
    await sh(['truncate', '-s', `${size}M`, file]);
    await tgtadm('--mode', 'logicalunit', '--op', 'new', '--tid', '1', '--lun', String(lun), '--backing-store', file);
    await tgtadm(
      ...['--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', String(lun)],
      ...['--params', `vendor_id=VDSMTS,product_id=TESTLUN${lun},scsi_sn=SN-${lun}-${process.pid}`],
    );
  }

  const d = await startDaemon(t);
  const iscsi = clientFor(t, d.socket).ops;
  const portal = `127.0.0.1:${port}`;

  const targets = await iscsi.iscsiDiscover({ portal });
  t.same(
    [...targets].sort((a, b) => a.iqn.localeCompare(b.iqn)),
    [
      { iqn, portals: [portal] },
      { iqn: other, portals: [portal] },
    ],
    'both targets discovered',
  );

  const luns = await iscsi.iscsiLuns({ portal, iqn });
  t.same(
    luns,
    [
      {
        target: iqn,
        lun: 1,
        vendor: 'VDSMTS',
        product: 'TESTLUN1',
        serial: `SN-1-${process.pid}`,
        size: 64 * MiB,
        blockSize: 512,
      },
      {
        target: iqn,
        lun: 2,
        vendor: 'VDSMTS',
        product: 'TESTLUN2',
        serial: `SN-2-${process.pid}`,
        size: 32 * MiB,
        blockSize: 512,
      },
    ],
    'LUNs with vendor, product, serial and size (the controller LUN 0 is not a disk)',
  );
  t.same(await iscsi.iscsiLuns({ portal, iqn: other }), [], 'a target without disks');
  await t.rejects(iscsi.iscsiLuns({ portal, iqn: 'iqn.2026-11.org.vdsm-ts:nothing' }), {
    code: 'INVALID_PARAMS',
    message: /offers no target/,
  });

  const kernelInitiator = await access('/sys/module/iscsi_tcp').then(
    () => true,
    () => false,
  );
  if (kernelInitiator) {
    await iscsi.iscsiLogin({ portal, iqn });
    await iscsi.iscsiLogout({ portal, iqn });
    t.pass('login and logout through the kernel initiator');
  } else {
    await t.rejects(
      iscsi.iscsiLogin({ portal, iqn }),
      { code: 'NOT_AVAILABLE', message: /kernel lacks an iSCSI initiator/ },
      'login is refused clearly where the kernel has no initiator',
    );
  }

  tgtd.kill('SIGTERM');
  await tgtd;
  await t.rejects(iscsi.iscsiDiscover({ portal }), { code: 'COMMAND_FAILED' }, 'a dead portal is an error');
});
