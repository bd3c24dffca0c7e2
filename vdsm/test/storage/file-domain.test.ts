// On-disk format of file domains: what vdsm-ts writes is checked by an independent reader that follows the fact
// sheet (B10), a layout written by hand from the fact sheet is read by vdsm-ts, and bad metadata is refused.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir, ext4Mount } from '@vdsm-ts/testing/temp-storage';
import { execa } from 'execa';
import t from 'tap';
import { VdsmError } from '../../src/errors/vdsm-error.js';
import { FileStorageDomain } from '../../src/storage/domain/file-domain.js';
import { formatMetadata, parseMetadata } from '../../src/storage/metadata/domain-metadata.js';
import { Sanlock } from '../../src/storage/sanlock/sanlock.js';
import { factSheetRead } from './fact-sheet.js';

const sanlock = new Sanlock({ ioTimeout: 1 });

async function pythonSha1(lines: string[]): Promise<string> {
  const script =
    'import hashlib,sys\nh=hashlib.sha1()\nfor l in sys.stdin.read().split("\\n"):\n  h.update(l.encode())\nprint(h.hexdigest())';
  const { stdout } = await execa('python3', ['-c', script], { input: lines.join('\n'), timeout: 10_000 });
  return stdout.trim();
}

t.test('a created v5 domain has upstream layout and sealed metadata', async (t) => {
  const dir = await diskDir(t, 'fd');
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  const sdUUID = randomUUID();
  const domain = await FileStorageDomain.create(
    {
      mountPoint: mnt,
      sdUUID,
      type: 'LOCALFS',
      domainClass: 'Data',
      description: 'data one',
      version: 5,
      remotePath: '/srv/data',
      blockSize: 512,
    },
    sanlock,
  );
  const root = join(mnt, sdUUID);
  t.equal(domain.root, root);
  const text = await readFile(join(root, 'dom_md', 'metadata'), 'utf8');
  const read = factSheetRead(text);
  t.same(read.order, [...read.order].sort(), 'keys sorted');
  t.ok(text.trimEnd().split('\n').at(-1)?.startsWith('_SHA_CKSUM='), 'checksum line last');
  t.equal(read.declared, read.computed, 'checksum as the fact sheet computes it');
  t.equal(
    read.declared,
    await pythonSha1(
      Object.keys(read.md)
        .sort()
        .map((k) => `${k}=${read.md[k]}`),
    ),
    'and as Python hashlib does',
  );
  t.same(read.md, {
    ALIGNMENT: '1048576',
    BLOCK_SIZE: '512',
    CLASS: 'Data',
    DESCRIPTION: 'data one',
    IOOPTIMEOUTSEC: '10',
    LEASERETRIES: '3',
    LEASETIMESEC: '60',
    LOCKPOLICY: '',
    LOCKRENEWALINTERVALSEC: '5',
    POOL_UUID: '',
    REMOTE_PATH: '/srv/data',
    ROLE: 'Regular',
    SDUUID: sdUUID,
    TYPE: 'LOCALFS',
    VERSION: '5',
  });
  const size = async (name: string) => (await stat(join(root, 'dom_md', name))).size;
  t.equal(await size('ids'), 1024 * 1024, 'ids: one sanlock lockspace area');
  t.equal(await size('leases'), 2 * 1024 * 1024, 'leases: grown to the SDM slot');
  t.equal(await size('inbox'), 16 * 1024 * 1024);
  t.equal(await size('outbox'), 16 * 1024 * 1024);
  t.equal(await size('xleases'), 1024 * 1024 * 1024);
  t.equal((await stat(join(root, 'dom_md', 'metadata'))).mode & 0o777, 0o660);
  t.equal((await stat(join(root, 'dom_md'))).mode & 0o777, 0o775);
  t.ok((await stat(join(root, 'images'))).isDirectory());
  // xleases index metadata at slot 1: magic (big endian), version, lockspace
  const fh = await open(join(root, 'dom_md', 'xleases'), 'r');
  const block = Buffer.alloc(512);
  await fh.read(block, 0, 512, 1024 * 1024);
  const record = Buffer.alloc(64);
  await fh.read(record, 0, 64, 1024 * 1024 + 512 + 3999 * 64);
  await fh.close();
  // upstream's RECORD_STRUCT "48s x 11s x 3c" of EMPTY_RECORD = Record("", 0)
  t.same(
    record,
    Buffer.concat([Buffer.alloc(49), Buffer.from('00000000000'), Buffer.alloc(1), Buffer.from('--\n')]),
    'free index records',
  );
  t.equal(block.toString('latin1', 70, 71), '-', 'index not left updating');
  t.equal(block.toString('latin1', 511, 512), '\n');
  t.equal(block.readUInt32BE(0), 0x12152016, 'xleases index magic');
  t.equal(block.toString('latin1', 5, 9), '0001');
  t.equal(block.toString('latin1', 10, 10 + 36), sdUUID);
  // sanlock agrees the lockspace and the SDM lease are its own
  const ls = await execa('sanlock', ['direct', 'read_leader', '-s', `${sdUUID}:1:${join(root, 'dom_md', 'ids')}:0`]);
  t.match(ls.stdout, new RegExp(`space_name ${sdUUID}`));
  const sdm = await execa('sanlock', [
    'direct',
    'read_leader',
    '-r',
    `${sdUUID}:SDM:${join(root, 'dom_md', 'leases')}:1048576`,
  ]);
  t.match(sdm.stdout, /resource_name SDM/);
  t.strictSame(domain.info(), {
    uuid: sdUUID,
    type: 'LOCALFS',
    class: 'Data',
    name: 'data one',
    role: 'Regular',
    pool: [],
    version: '5',
    remotePath: '/srv/data',
    block_size: 512,
    alignment: 1048576,
  });

  const again = await FileStorageDomain.create(
    {
      mountPoint: mnt,
      sdUUID,
      type: 'LOCALFS',
      domainClass: 'Data',
      description: 'x',
      version: 5,
      remotePath: '/x',
      blockSize: 512,
    },
    sanlock,
  ).catch((e: unknown) => e);
  t.equal((again as VdsmError).code, 365, 'StorageDomainAlreadyExists');
  const nowhere = await FileStorageDomain.create(
    {
      mountPoint: join(dir, 'missing'),
      sdUUID: randomUUID(),
      type: 'NFS',
      domainClass: 'Data',
      description: 'x',
      version: 5,
      remotePath: 'h:/x',
      blockSize: 512,
    },
    sanlock,
  ).catch((e: unknown) => e);
  t.equal((nowhere as VdsmError).code, 360, 'StorageDomainFSNotMounted');
});

t.test('a domain written by hand from the fact sheet is read by vdsm-ts', async (t) => {
  const dir = await diskDir(t, 'fd-hand');
  const sdUUID = randomUUID();
  const root = join(dir, sdUUID);
  await mkdir(join(root, 'dom_md'), { recursive: true });
  await mkdir(join(root, 'images'));
  const md: Record<string, string> = {
    VERSION: '4',
    SDUUID: sdUUID,
    TYPE: 'NFS',
    CLASS: 'Iso',
    DESCRIPTION: 'isos ünïcode',
    ROLE: 'Regular',
    POOL_UUID: '',
    LOCKPOLICY: '',
    LOCKRENEWALINTERVALSEC: '5',
    LEASETIMESEC: '60',
    IOOPTIMEOUTSEC: '10',
    LEASERETRIES: '3',
    REMOTE_PATH: 'server:/exports/iso',
  };
  // non-ASCII as XML character references in both the file and the checksum
  const lines = Object.keys(md)
    .sort()
    .map((k) => [...`${k}=${md[k]}`].map((c) => (c.codePointAt(0)! < 0x80 ? c : `&#${c.codePointAt(0)};`)).join(''));
  const cksum = await pythonSha1(lines);
  await writeFile(join(root, 'dom_md', 'metadata'), `${lines.join('\n')}\n_SHA_CKSUM=${cksum}\n`);
  const domain = await FileStorageDomain.open(root);
  t.strictSame(domain.info(), {
    uuid: sdUUID,
    type: 'NFS',
    class: 'Iso',
    name: 'isos ünïcode',
    role: 'Regular',
    pool: [],
    version: '4',
    remotePath: 'server:/exports/iso',
    block_size: 512,
    alignment: 1048576,
  });
  t.equal(formatMetadata(domain.metadata), `${lines.join('\n')}\n_SHA_CKSUM=${cksum}\n`, 'written back byte for byte');

  // no checksum: trusted as upstream does
  await writeFile(join(root, 'dom_md', 'metadata'), `${lines.join('\n')}\n`);
  t.equal((await FileStorageDomain.open(root)).version, 4);
});

t.test('broken metadata is refused with upstream codes', async (t) => {
  const dir = await diskDir(t, 'fd-bad');
  const sdUUID = randomUUID();
  const root = join(dir, sdUUID);
  await mkdir(join(root, 'dom_md'), { recursive: true });
  const good = formatMetadata({
    SDUUID: sdUUID,
    VERSION: '5',
    TYPE: 'NFS',
    CLASS: 'Data',
    DESCRIPTION: 'd',
    ROLE: 'Regular',
  });
  await writeFile(join(root, 'dom_md', 'metadata'), good.replace('DESCRIPTION=d', 'DESCRIPTION=e'));
  const sealed = await FileStorageDomain.open(root).catch((e: unknown) => e);
  t.equal((sealed as VdsmError).code, 752, 'MetaDataSealIsBroken');
  t.match((sealed as Error).message, /cksum = [0-9a-f]{40}, computed_cksum = [0-9a-f]{40}/);

  await writeFile(join(root, 'dom_md', 'metadata'), good.replace(sdUUID, randomUUID()).replace(/_SHA_CKSUM=.*\n/, ''));
  const other = await FileStorageDomain.open(root).catch((e: unknown) => e);
  t.equal((other as VdsmError).code, 753, 'metadata of another domain: MetaDataValidationError');

  await writeFile(join(root, 'dom_md', 'metadata'), formatMetadata({ SDUUID: sdUUID, VERSION: '1' }));
  t.equal(
    ((await FileStorageDomain.open(root).catch((e: unknown) => e)) as VdsmError).code,
    394,
    'UnsupportedDomainVersion',
  );

  const missing = await FileStorageDomain.open(join(dir, randomUUID())).catch((e: unknown) => e);
  t.equal((missing as VdsmError).code, 364, 'StorageDomainMetadataNotFound');

  t.throws(() => parseMetadata('A=1\n_SHA_CKSUM=0000\n'), { code: 752 });
  t.same(parseMetadata('A=1\n\0\0\0'), { A: '1' }, 'trailing NULs of a padded block ignored');
});

t.test('a metadata write on a full disk fails cleanly and keeps the old metadata', async (t) => {
  const dir = await diskDir(t, 'fd-full');
  const { mountPoint } = await ext4Mount(t, dir, 'small', 8);
  const sdUUID = randomUUID();
  const domain = await FileStorageDomain.create(
    {
      mountPoint,
      sdUUID,
      type: 'POSIXFS',
      domainClass: 'Data',
      description: 'tiny',
      version: 5,
      remotePath: '/dev/loopX',
      blockSize: 512,
    },
    sanlock,
  );
  const before = await readFile(domain.layout.metadata, 'utf8');
  // fill the file system up
  const filler = await open(join(mountPoint, 'filler'), 'w');
  for (const size of [64 * 1024, 4096, 1]) {
    const chunk = Buffer.alloc(size, 1);
    for (;;) {
      try {
        await filler.write(chunk);
      } catch (error) {
        t.equal((error as NodeJS.ErrnoException).code, 'ENOSPC', `full at ${size}-byte writes`);
        break;
      }
    }
  }
  await filler.close();
  const err = await domain.updateMetadata({ DESCRIPTION: 'renamed' }).catch((e: unknown) => e);
  t.type(err, VdsmError);
  t.equal((err as VdsmError).code, 397, 'NoSpaceLeftOnDomain');
  t.equal(await readFile(domain.layout.metadata, 'utf8'), before, 'old metadata intact');
  t.equal((await FileStorageDomain.open(domain.root)).metadata.DESCRIPTION, 'tiny');
  await t.rejects(stat(`${domain.layout.metadata}.new`), 'no temp file left behind');
});
