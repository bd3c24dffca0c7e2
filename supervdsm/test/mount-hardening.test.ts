// Issue #14: what the vdsm user must never get through supervdsmd's storage operations. Each request is refused
// and the test checks that its effect did not happen: nothing mounted, no directory created, ownership unchanged.
import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpParams } from '@vdsm-ts/supervdsm-protocol/operations';
import t from 'tap';
import { clientFor, ext4Loop, mountsUnder, sh, startDaemon, tempDir } from './helpers.js';

/** The block device behind / when it is one (a VM's disk), else an ext4 loop device mounted outside the repository. */
async function hostDevice(t: { teardown(fn: () => unknown): void }, dir: string): Promise<string> {
  const root = (await sh(['findmnt', '-n', '-o', 'SOURCE', '/'])).trim();
  if (root.startsWith('/dev/') && (await stat(root)).isBlockDevice()) return root;
  const dev = await ext4Loop(t, dir, 'host.img');
  await mkdir(join(dir, 'host-mount'));
  await sh(['mount', dev, join(dir, 'host-mount')]);
  t.teardown(() => sh(['umount', '-l', join(dir, 'host-mount')]).catch(() => {}));
  return dev;
}

t.test('host filesystems and kernel filesystems cannot be mounted under the repository', async (t) => {
  const dir = await tempDir(t, 'svdsm-hard-');
  // Even a configuration that lists them does not allow the kernel's filesystems.
  const d = await startDaemon(t, {
    irs: 'posixfs_allowed_types = ext4,nfs,cephfs,proc,sysfs,devtmpfs,tmpfs,overlay,bind\n',
  });
  const ops = clientFor(t, d.socket).ops;
  const host = await hostDevice(t, dir);
  await symlink(host, join(d.repository, 'disk-link'));
  await sh(['mkfs.ext4', '-q', '-F', join(dir, 'file.img'), '8M']);
  const refusals: Array<[string, Omit<OpParams<'mount'>, 'target'>, RegExp]> = [
    ['the reproducer: //dev/vda', { spec: `/${host}`, vfsType: 'ext4' }, /is mounted at \//],
    ['/./dev/vda', { spec: host.replace('/dev/', '/./dev/'), vfsType: 'ext4' }, /mounted at/],
    ['/dev/../dev/vda', { spec: host.replace('/dev/', '/dev/../dev/'), vfsType: 'ext4' }, /mounted at/],
    [
      'a symlink in the repository to the host disk',
      { spec: join(d.repository, 'disk-link'), vfsType: 'ext4' },
      /mounted at/,
    ],
    ['sysfs', { spec: 'sysfs', vfsType: 'sysfs' }, /vfsType "sysfs" is not allowed/],
    ['proc', { spec: 'proc', vfsType: 'proc' }, /vfsType "proc" is not allowed/],
    ['devtmpfs', { spec: 'devtmpfs', vfsType: 'devtmpfs' }, /not allowed/],
    [
      'overlay with lowerdir=/etc',
      {
        spec: 'overlay',
        vfsType: 'overlay',
        options: ['lowerdir=/etc', `upperdir=${dir}/u`, `workdir=${dir}/w`],
      },
      /vfsType "overlay" is not allowed/,
    ],
    ['tmpfs', { spec: 'tmpfs', vfsType: 'tmpfs' }, /vfsType "tmpfs" is not allowed/],
    ['a bind of /etc', { spec: '/etc', vfsType: 'bind' }, /vfsType "bind" is not allowed/],
    ['a fuse filesystem', { spec: 'x:/y', vfsType: 'fuse.sshfs' }, /not allowed/],
    ['xfs, not in this configuration', { spec: host, vfsType: 'xfs' }, /not allowed/],
    [
      'a regular file (mount would set up a loop device for it)',
      { spec: join(dir, 'file.img'), vfsType: 'ext4' },
      /not a block device/,
    ],
    ['a file outside /dev', { spec: '/etc/passwd', vfsType: 'ext4' }, /not a block device/],
    ['suid', { spec: host, vfsType: 'ext4', options: ['suid'] }, /"suid" is not allowed/],
    ['exec', { spec: host, vfsType: 'ext4', options: ['exec'] }, /"exec" is not allowed/],
    ['dev', { spec: host, vfsType: 'ext4', options: ['dev'] }, /"dev" is not allowed/],
    ['defaults', { spec: host, vfsType: 'ext4', options: ['defaults'] }, /not allowed/],
    ['errors=panic', { spec: host, vfsType: 'ext4', options: ['errors=panic'] }, /"errors=panic" is not allowed/],
    ['loop=/dev/loop0', { spec: host, vfsType: 'ext4', options: ['loop=/dev/loop0'] }, /not allowed/],
    [
      'an SELinux context',
      { spec: host, vfsType: 'ext4', options: ['context=system_u:object_r:etc_t:s0'] },
      /not allowed/,
    ],
    ['nfs from a local path', { spec: '/etc', vfsType: 'nfs' }, /not a valid nfs source/],
    ['nfs with a flag-like source', { spec: '-oremount', vfsType: 'nfs' }, /not a valid/],
    [
      'nfs with an overlay option',
      { spec: 'srv:/exp', vfsType: 'nfs', options: ['lowerdir=/etc'] },
      /not allowed for a nfs mount/,
    ],
    [
      'cephfs reading a host file as its secret',
      { spec: 'mon:/', vfsType: 'cephfs', options: ['secretfile=/etc/shadow'] },
      /not allowed/,
    ],
  ];
  for (const [what, params, message] of refusals) {
    const target = join(d.repository, 'mnt', 'victim');
    await t.rejects(ops.mount({ ...params, target }), { code: 'INVALID_PARAMS', message }, `${what}: refused`);
    t.same(await mountsUnder(d.repository), [], `${what}: nothing mounted under the repository`);
    await t.rejects(stat(join(d.repository, 'mnt')), { code: 'ENOENT' }, `${what}: no target directory made`);
  }
  t.match(d.stderr(), /listening on/, 'the daemon is still serving');
});

t.test('a symlink or a foreign mount in the repository leads neither a mount nor a chown out of it', async (t) => {
  const dir = await tempDir(t, 'svdsm-esc-');
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  const outside = join(dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'x');
  const dev = await ext4Loop(t, dir);

  // A directory link pointing out: the mount would land outside, the chown would reach the host's file.
  await symlink(outside, join(d.repository, 'escape'));
  await t.rejects(ops.mount({ spec: dev, target: join(d.repository, 'escape', 'm'), vfsType: 'ext4' }), {
    code: 'INVALID_PARAMS',
    message: /resolves outside the repository/,
  });
  t.same(await readdir(outside), ['secret'], 'no directory made outside');
  t.same(await mountsUnder(outside), [], 'nothing mounted outside');
  await t.rejects(ops.setOwnership({ path: join(d.repository, 'escape', 'secret'), uid: 36, gid: 36 }), {
    code: 'INVALID_PARAMS',
    message: /resolves outside the repository/,
  });
  // A file link, absolute and relative, and one through '..' in a link.
  await symlink(join(outside, 'secret'), join(d.repository, 'link'));
  await symlink('../outside/secret', join(d.repository, 'rel-link'));
  await mkdir(join(d.repository, 'sub'));
  await symlink('../../outside', join(d.repository, 'sub', 'up'));
  for (const path of ['link', 'rel-link', 'sub/up/secret']) {
    await t.rejects(
      ops.setOwnership({ path: join(d.repository, path), uid: 36, gid: 36, mode: 0o777 }),
      { code: 'INVALID_PARAMS', message: /resolves outside the repository/ },
      `${path} refused`,
    );
  }
  await t.rejects(ops.umount({ target: join(d.repository, 'escape') }), { code: 'INVALID_PARAMS' });

  // A hard link the vdsm user made to a host file (where fs.protected_hardlinks does not stop it).
  await link(join(outside, 'secret'), join(d.repository, 'hard'));
  await t.rejects(ops.setOwnership({ path: join(d.repository, 'hard'), uid: 36, gid: 36 }), {
    code: 'INVALID_PARAMS',
    message: /has 2 hard links/,
  });

  // Mounts supervdsmd did not make: a tmpfs, and an ext4 mounted without nosuid/nodev.
  const foreign = join(d.repository, 'foreign');
  await mkdir(foreign);
  await sh(['mount', '-t', 'tmpfs', 'tmpfs', foreign]);
  t.teardown(() => sh(['umount', '-l', foreign]).catch(() => {}));
  await writeFile(join(foreign, 'file'), 'x');
  await t.rejects(
    ops.setOwnership({ path: join(foreign, 'file'), uid: 36, gid: 36, mode: 0o666 }),
    { code: 'INVALID_PARAMS', message: /crosses the mount at .*foreign \(tmpfs\), which supervdsmd did not make/ },
    'setOwnership across a tmpfs refused',
  );
  await t.rejects(ops.mount({ spec: dev, target: join(foreign, 'm'), vfsType: 'ext4' }), {
    code: 'INVALID_PARAMS',
    message: /crosses the mount/,
  });
  t.same((await mountsUnder(foreign)).length, 1, 'nothing mounted inside the foreign mount');
  await t.rejects(
    ops.umount({ target: foreign, lazy: true }),
    { code: 'INVALID_PARAMS', message: /tmpfs mount supervdsmd did not make/ },
    'a foreign mount is not unmounted',
  );
  t.same((await mountsUnder(foreign)).length, 1, 'and is still there');
  const plain = join(d.repository, 'plain');
  await mkdir(plain);
  await sh(['mount', dev, plain]);
  t.teardown(() => sh(['umount', '-l', plain]).catch(() => {}));
  await writeFile(join(plain, 'file'), 'x');
  await t.rejects(
    ops.setOwnership({ path: join(plain, 'file'), uid: 36, gid: 36 }),
    { code: 'INVALID_PARAMS', message: /crosses the mount .*\(ext4\)/ },
    'setOwnership across an ext4 mounted by someone else refused',
  );
  for (const file of [join(outside, 'secret'), join(foreign, 'file'), join(plain, 'file')]) {
    const st = await stat(file);
    t.same([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o644], `${file} kept its owner and mode`);
  }
  await t.rejects(ops.setOwnership({ path: d.repository, uid: 36, gid: 36 }), { code: 'INVALID_PARAMS' });
  t.equal((await stat(d.repository)).uid, 0, 'the repository itself is not handed over');
});

t.test('netns and interface names "." and ".." are refused, and nothing is written for them', async (t) => {
  const d = await startDaemon(t);
  const ops = clientFor(t, d.socket).ops;
  for (const netns of ['.', '..']) {
    await t.rejects(ops.netLinks({ netns }), { code: 'INVALID_PARAMS', message: /netns/ }, `netns ${netns}`);
    await t.rejects(ops.netPersist({ name: 'lo', netns }), { code: 'INVALID_PARAMS' }, `netPersist in ${netns}`);
    await t.rejects(ops.netPersist({ name: netns }), { code: 'INVALID_PARAMS' }, `netPersist of link ${netns}`);
  }
  await t.rejects(stat(join(d.dir, 'netconf')), { code: 'ENOENT' }, 'nothing persisted');
});

t.test("a filesystem /etc/fstab names is the host's, mounted or not", async (t) => {
  const dir = await tempDir(t, 'svdsm-fstab-');
  const byUuid = await ext4Loop(t, dir, 'by-uuid.img');
  const byPath = await ext4Loop(t, dir, 'by-path.img');
  const unlisted = await ext4Loop(t, dir, 'unlisted.img');
  const uuid = (await sh(['blkid', '-c', '/dev/null', '-o', 'value', '-s', 'UUID', byUuid])).trim();
  const fstab = join(dir, 'fstab');
  await writeFile(fstab, `# the host's\nUUID=${uuid} /boot ext4 noauto 0 2\n${byPath}\t/backup ext4 noauto 0 0\n`);
  // The daemon sees this fstab in a mount namespace of its own; the host's /etc/fstab is not touched.
  const d = await startDaemon(t, {
    wrapper: [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$0" /etc/fstab && exec "$@"',
      fstab,
    ],
  });
  const ops = clientFor(t, d.socket).ops;
  const daemonMounts = async (): Promise<string[]> =>
    (await readFile(`/proc/${d.child.pid}/mountinfo`, 'utf8')).split('\n').filter((l) => l.includes(d.repository));
  for (const [what, spec, entry] of [
    ['by UUID', byUuid, `UUID=${uuid}`],
    ['by path', byPath, byPath],
  ] as const) {
    await t.rejects(
      ops.mount({ spec, target: join(d.repository, 'mnt', 'boot'), vfsType: 'ext4' }),
      { code: 'INVALID_PARAMS', message: new RegExp(`host's own filesystem ${entry} in /etc/fstab`) },
      `a device fstab names ${what} is refused`,
    );
    t.same(await daemonMounts(), [], `${what}: nothing mounted`);
  }
  const target = join(d.repository, 'mnt', 'data');
  await ops.mount({ spec: unlisted, target, vfsType: 'ext4' });
  t.equal((await daemonMounts()).length, 1, 'a device fstab does not name is mounted');
  await ops.umount({ target });
});
