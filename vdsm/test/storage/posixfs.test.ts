// POSIXFS and NFS connections mounted by the real supervdsmd (private socket, [irs] repository in a temp dir):
// an ext4 file system on a loop device becomes a storage domain under upstream's mount-point name.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { execa } from 'execa';
import t from 'tap';
import { makeService, startSanlock, startSupervdsmd } from './helpers.js';

async function mountedAt(target: string): Promise<string | null> {
  const r = await execa('findmnt', ['-n', '-o', 'SOURCE', '--mountpoint', target], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

t.test('POSIXFS on a loop device, through supervdsmd', async (t) => {
  const dir = await diskDir(t, 'posix');
  const repository = join(dir, 'repo');
  const supervdsm = await startSupervdsmd(t, dir, repository);
  const sanlock = await startSanlock(t, dir);
  const service = makeService(t, {
    repository,
    runDir: join(dir, 'run'),
    sanlockRunDir: sanlock.runDir,
    mounter: supervdsm.ops,
  });

  const image = join(dir, 'posix.img');
  await execa('truncate', ['-s', '64M', image]);
  await execa('mkfs.ext4', ['-q', '-F', image], { timeout: 60_000 });
  const device = (await execa('losetup', ['-f', '--show', image])).stdout.trim();
  t.teardown(async () => {
    await execa('umount', ['-l', join(repository, 'mnt', device.replaceAll('_', '__').replaceAll('/', '_'))], {
      reject: false,
    });
    await execa('losetup', ['-d', device], { reject: false });
  });
  const mountPoint = join(repository, 'mnt', device.replaceAll('_', '__').replaceAll('/', '_'));

  const conn = { id: randomUUID(), connection: device, vfs_type: 'ext4', mnt_options: 'noatime' };
  t.same(await service.connections.connect(6, [conn]), [{ id: conn.id, status: 0 }]);
  t.equal(await mountedAt(mountPoint), device, `mounted on ${mountPoint}`);
  t.same(await service.connections.connect(6, [conn]), [{ id: conn.id, status: 0 }], 'connecting again is fine');

  const sdUUID = randomUUID();
  await service.domains.create({
    sdUUID,
    domainType: 6,
    remotePath: device,
    name: 'posix',
    domainClass: 'Data',
    version: 5,
    blockSize: 512,
  });
  t.ok((await stat(join(mountPoint, sdUUID, 'dom_md', 'metadata'))).isFile());
  t.match(await service.domains.info(sdUUID), { uuid: sdUUID, type: 'POSIXFS', class: 'Data', version: 5 });
  t.same(await service.domains.list({ storageType: 'POSIXFS' }), [sdUUID]);

  // per-connection statuses as upstream returns them
  const bad = [
    { id: 'nodev', connection: join(dir, 'no-such-device'), vfs_type: 'ext4' },
    { id: 'novfs', connection: device },
  ];
  t.same(await service.connections.connect(6, bad), [
    { id: 'nodev', status: 477 },
    { id: 'novfs', status: 453 },
  ]);
  // NFS goes down the same path up to supervdsmd's mount: nothing serves NFS here (and this kernel may lack the
  // client), so the mount fails with MountError
  t.same(
    await service.connections.connect(1, [
      { id: 'nfs', connection: '127.0.0.1:/nothing/here', timeout: 1, retrans: 1 },
    ]),
    [{ id: 'nfs', status: 477 }],
  );
  await t.rejects(stat(join(repository, 'mnt', '127.0.0.1:_nothing_here')), 'failed mount point removed');

  t.same(await service.connections.disconnect(6, [conn]), [{ id: conn.id, status: 0 }]);
  t.equal(await mountedAt(mountPoint), null, 'unmounted');
  t.same(await service.domains.list({}), []);
});
