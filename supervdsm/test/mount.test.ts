import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { clientFor, ext4Loop, mountsUnder, sh, startDaemon, tempDir } from './helpers.js';

t.test('a POSIX FS domain: an ext4 loop device mounted under the repository', async (t) => {
  const dir = await tempDir(t, 'svdsm-mnt-');
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  const dev = await ext4Loop(t, dir);
  const fsTarget = join(d.repository, 'mnt', 'posix');
  t.teardown(() => sh(['umount', '-l', fsTarget]).catch(() => {}));

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

  const ext4 = await ops.mount({ spec: dev, target: fsTarget, vfsType: 'ext4', options: ['noatime'] });
  t.match(ext4, { target: fsTarget, source: dev, fstype: 'ext4', options: /noatime/ }, 'target created on the way');
  for (const forced of ['nosuid', 'nodev', 'noexec'])
    t.match(ext4.options, new RegExp(`(^|,)${forced}(,|$)`), `${forced} is always added`);
  t.ok(
    (await ops.listMounts({})).some((m) => m.target === fsTarget),
    'listMounts lists it',
  );
  t.ok(
    (await ops.listMounts({})).every((m) => m.target.startsWith(`${d.repository}/`)),
    'listMounts lists only the repository',
  );
  await t.rejects(
    ops.mount({ spec: dev, target: fsTarget, vfsType: 'ext4' }),
    { code: 'INVALID_PARAMS', message: /already a mount point/ },
    'no second mount on top of the first',
  );

  await writeFile(join(fsTarget, 'image'), 'disk');
  await ops.setOwnership({ path: join(fsTarget, 'image'), uid: 36, gid: 36, mode: 0o660 });
  // A pool-style link inside the repository is followed, since it stays inside.
  await symlink(fsTarget, join(d.repository, 'pool-link'));
  await ops.setOwnership({ path: join(d.repository, 'pool-link', 'image'), uid: 36, gid: 36, mode: 0o640 });
  await ops.umount({ target: fsTarget });
  t.same(await mountsUnder(d.repository), [], 'unmounted');
  await t.rejects(ops.umount({ target: fsTarget }), { code: 'INVALID_PARAMS' }, 'umount of a non-mount point');
  await ops.mount({ spec: dev, target: fsTarget, vfsType: 'ext4' });
  const st = await stat(join(fsTarget, 'image'));
  t.same([st.uid, st.gid, st.mode & 0o777], [36, 36, 0o640], 'file and its ownership survive a remount');
  await ops.umount({ target: fsTarget, lazy: true });
  t.same(await mountsUnder(d.repository), [], 'lazily unmounted');
});

t.test("a failed mount leaves no directory of its own behind, and one that didn't exist", async (t) => {
  const dir = await tempDir(t, 'svdsm-fail-');
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  // A block device without a filesystem: every check passes and mount(8) itself fails.
  await sh(['truncate', '-s', '8M', join(dir, 'blank.img')]);
  const blank = (await sh(['losetup', '--show', '-f', join(dir, 'blank.img')])).trim();
  t.teardown(() => sh(['losetup', '-d', blank]).catch(() => {}));
  await t.rejects(
    ops.mount({ spec: blank, target: join(d.repository, 'mnt', 'deep', 'er'), vfsType: 'ext4' }),
    { code: 'COMMAND_FAILED' },
    'a failing mount comes back as COMMAND_FAILED',
  );
  await t.rejects(stat(join(d.repository, 'mnt')), { code: 'ENOENT' }, 'mnt/deep/er, mnt/deep and mnt removed');
  // A directory that existed before the call stays.
  await mkdir(join(d.repository, 'kept'));
  await t.rejects(ops.mount({ spec: blank, target: join(d.repository, 'kept'), vfsType: 'ext4' }), {
    code: 'COMMAND_FAILED',
  });
  t.ok((await stat(join(d.repository, 'kept'))).isDirectory(), 'an existing target is not removed');
  await t.rejects(
    ops.mount({ spec: '/dev/nonexistent-device', target: join(d.repository, 'mnt', 'bad'), vfsType: 'ext4' }),
    { code: 'INVALID_PARAMS', message: /cannot be resolved/ },
    'a missing device is refused before anything runs',
  );
  await t.rejects(stat(join(d.repository, 'mnt')), { code: 'ENOENT' }, 'and leaves no directory either');
});

t.test('a network mount that fails leaves neither its staging directory nor a mount behind', async (t) => {
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  const prefix = `supervdsmd-stage-${d.child.pid}-`;
  // Nothing serves NFS on this port (and this kernel may lack the client): mount.nfs fails in the staging directory.
  await t.rejects(
    ops.mount({
      spec: '127.0.0.1:/nothing/here',
      target: join(d.repository, 'mnt', '127.0.0.1:_nothing_here'),
      vfsType: 'nfs',
      options: ['timeo=1', 'retrans=1', 'port=1', 'retry=0'],
    }),
    { code: /COMMAND_FAILED|TIMEOUT/ },
  );
  t.same(
    (await readdir('/run')).filter((n) => n.startsWith(prefix)),
    [],
    'no staging directory left in /run',
  );
  t.notOk((await readFile('/proc/self/mountinfo', 'utf8')).includes(` /run/${prefix}`), 'no staging mount left');
  t.same(await mountsUnder(d.repository), [], 'nothing mounted in the repository');
  await t.rejects(stat(join(d.repository, 'mnt')), { code: 'ENOENT' }, 'the target made for it removed');
});
