import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { tempPathFor, writeFileAtomic } from '../src/atomic-write.js';

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'common-atomic-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('replaces the file with the exact mode whatever the umask, and leaves nothing else', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'metadata');
  await writeFile(path, 'old\n');
  const umask = process.umask(0o077);
  try {
    await writeFileAtomic(path, 'new\n', { mode: 0o660 });
  } finally {
    process.umask(umask);
  }
  t.equal(await readFile(path, 'utf8'), 'new\n');
  t.equal((await stat(path)).mode & 0o777, 0o660);
  t.same(await readdir(dir), ['metadata']);
  await writeFileAtomic(path, Buffer.from([0, 1, 2]));
  t.same([...(await readFile(path))], [0, 1, 2], 'bytes too');
  t.equal((await stat(path)).mode & 0o777, 0o644, 'default mode 0644');
});

t.test('temp names are hidden, in the same directory, and never the same twice', async (t) => {
  const a = tempPathFor('/d/file.meta');
  const b = tempPathFor('/d/file.meta');
  t.match(a, /^\/d\/\.file\.meta\.[0-9a-f]{16}\.tmp$/);
  t.not(a, b);
});

t.test('concurrent writers to one file: every read sees one whole version, no temp is left', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'shared');
  const SIZE = 256 * 1024;
  const versions = Array.from({ length: 40 }, (_, i) => `${String.fromCharCode(65 + (i % 26)).repeat(SIZE)}#${i}\n`);
  await writeFileAtomic(path, versions[0] ?? '');
  let writing = true;
  let reads = 0;
  const torn: string[] = [];
  const reader = (async () => {
    while (writing) {
      const text = await readFile(path, 'utf8');
      reads++;
      if (!versions.includes(text)) torn.push(`${text.length} bytes starting ${text.slice(0, 8)}`);
    }
  })();
  await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
  writing = false;
  await reader;
  t.same(torn, [], `no torn or mixed content in ${reads} reads`);
  t.ok(versions.includes(await readFile(path, 'utf8')), 'the file holds one whole version');
  t.same(await readdir(dir), ['shared'], 'no temp file left');
});

// chattr +i needs root; CI runs as root, so there it must not skip
const NOT_ROOT = process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'chattr +i needs root' : false;

t.test('a failed rename leaves the old content and no temp (target made immutable)', { skip: NOT_ROOT }, async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'guarded');
  await writeFile(path, 'old\n');
  await promisify(execFile)('chattr', ['+i', path], { timeout: 10_000 });
  t.teardown(() => promisify(execFile)('chattr', ['-i', path], { timeout: 10_000 }));
  await t.rejects(writeFileAtomic(path, 'new\n'), { code: 'EPERM' });
  t.equal(await readFile(path, 'utf8'), 'old\n', 'old content kept');
  t.same(await readdir(dir), ['guarded'], 'no temp file left');
});

t.test('a rename onto a directory fails and leaves the directory and no temp', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'taken');
  await mkdir(target);
  await writeFile(join(target, 'inside'), 'kept\n');
  await t.rejects(writeFileAtomic(target, 'new\n'));
  t.equal(await readFile(join(target, 'inside'), 'utf8'), 'kept\n');
  t.same(await readdir(dir), ['taken'], 'no temp file left');
});

t.test('a directory that cannot be written to fails before anything is created', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(writeFileAtomic(join(dir, 'missing', 'file'), 'x'), { code: 'ENOENT' });
  t.same(await readdir(dir), [], 'nothing created without mkdir');
  await writeFileAtomic(join(dir, 'made', 'file'), 'x', { mkdir: true });
  t.equal(await readFile(join(dir, 'made', 'file'), 'utf8'), 'x', 'mkdir: true creates the directory');
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    await t.rejects(writeFileAtomic(join(locked, 'file'), 'x'), { code: 'EACCES' });
  }
});
