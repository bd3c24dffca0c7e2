import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loopDevice, tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { clientFor, sh, startDaemon } from './helpers.js';

t.test('mounts under the repository: bind (rw and ro) and an ext4 loop image', async (t) => {
  const dir = await tempDir(t, 'svdsm-mnt-', { mode: 0o755 });
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  const targets: string[] = [];
  t.teardown(async () => {
    for (const target of targets.reverse()) await sh(['umount', '-l', target]).catch(() => {});
  });

  // Bind sources must lie in the repository too (a bind of /etc there would let setOwnership reach /etc).
  const src = join(d.repository, 'data', 'export');
  await mkdir(src, { recursive: true });
  await t.rejects(
    ops.mount({ spec: dir, target: join(d.repository, 'mnt', 'host'), vfsType: 'bind' }),
    { code: 'INVALID_PARAMS', message: /resolves outside the repository/ },
    'bind of a host directory refused',
  );
  await writeFile(join(src, 'hello'), 'from the source');
  const bindTarget = join(d.repository, 'mnt', 'localhost:_export');
  targets.push(bindTarget);
  const info = await ops.mount({ spec: src, target: bindTarget, vfsType: 'bind' });
  t.equal(info.target, bindTarget, 'mount reports its target (created on the way)');
  t.equal(await readFile(join(bindTarget, 'hello'), 'utf8'), 'from the source', 'bind mount shows the source');
  t.ok(
    (await ops.listMounts({})).some((m) => m.target === bindTarget),
    'listMounts lists it',
  );
  t.ok(
    (await ops.listMounts({})).every((m) => m.target.startsWith(d.repository)),
    'listMounts lists only the repository',
  );

  const roTarget = join(d.repository, 'mnt', 'ro');
  targets.push(roTarget);
  const ro = await ops.mount({ spec: src, target: roTarget, vfsType: 'bind', options: ['ro'] });
  t.match(ro.options, /(^|,)ro(,|$)/, 'read-only bind');
  await t.rejects(writeFile(join(roTarget, 'x'), 'x'), { code: 'EROFS' });

  await ops.umount({ target: roTarget });
  await ops.umount({ target: bindTarget });
  t.notOk(
    (await ops.listMounts({})).some((m) => m.target === bindTarget || m.target === roTarget),
    'both unmounted',
  );
  await t.rejects(ops.umount({ target: bindTarget }), { code: 'INVALID_PARAMS' }, 'umount of a non-mount point');

  // A POSIX FS domain: any vfs type, here an ext4 image on a loop device.
  const image = join(dir, 'fs.img');
  const dev = await loopDevice(t, image, 32);
  await sh(['mkfs.ext4', '-q', '-F', dev]);
  // Mounted outside the repository already: a second mount under it would expose that filesystem to setOwnership.
  const outside = join(dir, 'outside');
  await mkdir(outside);
  await sh(['mount', dev, outside]);
  await t.rejects(
    ops.mount({ spec: dev, target: join(d.repository, 'mnt', 'again'), vfsType: 'ext4' }),
    { code: 'INVALID_PARAMS', message: /is mounted at .*outside, outside the repository/ },
    'a device mounted elsewhere is refused',
  );
  await sh(['umount', outside]);
  const fsTarget = join(d.repository, 'mnt', 'posix');
  targets.push(fsTarget);
  const ext4 = await ops.mount({ spec: dev, target: fsTarget, vfsType: 'ext4', options: ['noatime'] });
  t.match(ext4, { source: dev, fstype: 'ext4', options: /noatime/ });
  await writeFile(join(fsTarget, 'image'), 'disk');
  await ops.setOwnership({ path: join(fsTarget, 'image'), uid: 36, gid: 36, mode: 0o660 });
  await ops.umount({ target: fsTarget });
  await ops.mount({ spec: dev, target: fsTarget, vfsType: 'ext4' });
  const st = await stat(join(fsTarget, 'image'));
  t.same([st.uid, st.gid, st.mode & 0o777], [36, 36, 0o660], 'file and its ownership survive a remount');
  await ops.umount({ target: fsTarget, lazy: true });

  await t.rejects(
    ops.mount({ spec: '/dev/nonexistent-device', target: join(d.repository, 'mnt', 'bad'), vfsType: 'ext4' }),
    { code: 'COMMAND_FAILED' },
    'a failing mount comes back as COMMAND_FAILED',
  );
});

t.test('symlinks cannot lead a mount or a chown out of the repository', async (t) => {
  const dir = await tempDir(t, 'svdsm-esc-', { mode: 0o755 });
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  const outside = join(dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'x');
  await symlink(outside, join(d.repository, 'escape'));
  await t.rejects(ops.mount({ spec: outside, target: join(d.repository, 'escape', 'm'), vfsType: 'bind' }), {
    code: 'INVALID_PARAMS',
    message: /resolves outside the repository/,
  });
  await t.rejects(ops.setOwnership({ path: join(d.repository, 'escape', 'secret'), uid: 36, gid: 36 }), {
    code: 'INVALID_PARAMS',
    message: /resolves outside the repository/,
  });
  await symlink(join(outside, 'secret'), join(d.repository, 'link'));
  await t.rejects(ops.setOwnership({ path: join(d.repository, 'link'), uid: 36, gid: 36 }), { code: 'INVALID_PARAMS' });
  t.equal((await stat(join(outside, 'secret'))).uid, 0, 'the file outside kept its owner');
});
