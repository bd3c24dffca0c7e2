// The walk behind mount targets and setOwnership paths: once a path is opened, swapping a directory on the way for
// a symlink that leads out of the repository changes nothing (the race issue #14 closes by construction).
import { chown, mkdir, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { run } from '../src/exec.js';
import { mountArgv } from '../src/ops/mount-command.js';
import { openUnder } from '../src/safe-path.js';
import { ext4Loop, mountsUnder, sh, tempDir } from './helpers.js';

t.test('a held path keeps naming the object that was checked, whatever the path names later', async (t) => {
  const dir = await tempDir(t, 'svdsm-walk-');
  const repo = join(dir, 'repo');
  const outside = join(dir, 'outside');
  await mkdir(join(repo, 'a'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(repo, 'a', 'file'), 'image');
  await writeFile(join(outside, 'file'), 'host');

  const held = await openUnder(repo, join(repo, 'a', 'file'), 'path');
  t.teardown(() => held.close());
  t.equal(held.realPath, join(repo, 'a', 'file'));
  // The swap: a/ moves away and a symlink to the host directory takes its name.
  await rename(join(repo, 'a'), join(repo, 'moved'));
  await symlink(outside, join(repo, 'a'));
  await chown(held.procPath, 36, 36);
  t.equal((await stat(join(outside, 'file'))).uid, 0, 'the host file kept its owner');
  t.equal((await stat(join(repo, 'moved', 'file'))).uid, 36, 'the checked file got the new owner');
  await t.rejects(openUnder(repo, join(repo, 'a', 'file'), 'path'), {
    code: 'INVALID_PARAMS',
    message: /resolves outside the repository/,
  });
});

t.test(
  'a mount through a held target lands where the target was checked, not where a swapped link points',
  async (t) => {
    const dir = await tempDir(t, 'svdsm-walk-');
    const repo = join(dir, 'repo');
    const outside = join(dir, 'outside');
    await mkdir(join(repo, 'mnt'), { recursive: true });
    await mkdir(join(outside, 't'), { recursive: true });
    const dev = await ext4Loop(t, dir);
    const held = await openUnder(repo, join(repo, 'mnt', 't'), 'target', { createDirs: true });
    t.teardown(async () => {
      await held.close();
      for (const m of await mountsUnder(dir)) await sh(['umount', '-l', m.split(' ')[4] as string]).catch(() => {});
    });
    await rename(join(repo, 'mnt'), join(repo, 'moved'));
    await symlink(outside, join(repo, 'mnt'));
    await run(mountArgv('ext4', dev, held.procPath, ['nosuid']), { timeoutMs: 30_000 });
    t.same(await mountsUnder(outside), [], 'nothing mounted outside');
    t.equal((await mountsUnder(join(repo, 'moved', 't'))).length, 1, 'mounted on the directory that was checked');
    await held.removeCreated();
  },
);

t.test('symlinks that stay inside are followed; the repository itself is not a path', async (t) => {
  const dir = await tempDir(t, 'svdsm-walk-');
  const repo = join(dir, 'repo');
  await mkdir(join(repo, 'mnt', 'server:_export', 'sd'), { recursive: true });
  await writeFile(join(repo, 'mnt', 'server:_export', 'sd', 'leases'), '');
  await mkdir(join(repo, 'pool'));
  await symlink(join(repo, 'mnt', 'server:_export', 'sd'), join(repo, 'pool', 'sd'));
  await symlink('../mnt/server:_export/sd/leases', join(repo, 'pool', 'rel'));
  for (const p of ['pool/sd/leases', 'pool/rel']) {
    const held = await openUnder(repo, join(repo, p), 'path');
    t.equal(held.realPath, join(repo, 'mnt', 'server:_export', 'sd', 'leases'), `${p} resolves inside`);
    await held.close();
  }
  await symlink('loop', join(repo, 'loop'));
  await t.rejects(openUnder(repo, join(repo, 'loop', 'x'), 'path'), { message: /too many symlinks/ });
  await t.rejects(openUnder(repo, repo, 'path'), { message: /is the repository itself/ });
  const created = await openUnder(repo, join(repo, 'new', 'deeper'), 'target', { createDirs: true });
  t.ok((await stat(join(repo, 'new', 'deeper'))).isDirectory(), 'missing directories created');
  await created.removeCreated();
  await created.close();
  await t.rejects(stat(join(repo, 'new')), { code: 'ENOENT' }, 'and removed again');
});
