/**
 * removeTree against real mounts (needs root): what is mounted below the tree is unmounted before anything is
 * deleted, and a mount it cannot unmount makes it fail loudly with the foreign files left alone.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import t from 'tap';
import { mountsUnder, removeTree } from '../src/temp-storage.js';

const TEMP_STORAGE = fileURLToPath(new URL('../src/temp-storage.js', import.meta.url));

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

t.test('unmounts nested tmpfs mounts below the tree, then removes it', async (t) => {
  const tree = await mkdtemp(join(tmpdir(), 'temp-storage-'));
  const outer = join(tree, 'a', 'outer');
  const inner = join(outer, 'inner dir');
  await mkdir(outer, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', 'tmpfs', outer]);
  t.teardown(() => execa('umount', ['-R', '-l', outer], { reject: false }));
  await mkdir(inner);
  await execa('mount', ['-t', 'tmpfs', 'tmpfs', inner]);
  await writeFile(join(inner, 'file'), 'x');
  t.same((await mountsUnder(tree)).sort(), [outer, inner].sort(), 'both mounts seen, the escaped space decoded');
  await removeTree(tree);
  t.notOk(await exists(tree), 'tree removed');
  t.same(await mountsUnder(tree), [], 'nothing left mounted');
});

t.test('a missing tree is no error', async (t) => {
  await removeTree(join(tmpdir(), 'temp-storage-never-made'));
  t.pass();
});

t.test('a mount it cannot unmount: throws, and the foreign files survive', async (t) => {
  const host = await mkdtemp(join(tmpdir(), 'temp-storage-host-'));
  const tree = await mkdtemp(join(tmpdir(), 'temp-storage-'));
  await writeFile(join(host, 'keep'), 'host data');
  await writeFile(join(tree, 'own'), 'ours');
  const mountPoint = join(tree, 'host');
  await mkdir(mountPoint);
  await execa('mount', ['--bind', host, mountPoint]);
  t.teardown(async () => {
    await execa('umount', ['-l', mountPoint], { reject: false });
    await removeTree(tree);
    await removeTree(host);
  });
  // In a new user namespace the mounts inherited from ours are locked: umount fails there, as for a mount
  // held by something the test does not own.
  const script = `import(${JSON.stringify(TEMP_STORAGE)}).then((m) => m.removeTree(${JSON.stringify(tree)})).then(
    () => process.exit(0), (e) => { process.stderr.write(e.message); process.exit(3); })`;
  const result = await execa(
    'unshare',
    ['--user', '--map-root-user', '--mount', process.execPath, '--input-type=module', '-e', script],
    { reject: false, timeout: 30_000 },
  );
  t.equal(result.exitCode, 3, 'removeTree failed');
  t.match(result.stderr, /still has mounts below it.*not removed/, 'and says why');
  t.equal(await readFile(join(host, 'keep'), 'utf8'), 'host data', 'the foreign file is intact');
  t.equal(await readFile(join(tree, 'own'), 'utf8'), 'ours', 'nothing was deleted before it gave up');
});
