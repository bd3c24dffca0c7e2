// GLUSTERFS through the real supervdsmd: a private glusterd (its own working directory) serves a one-brick
// volume on 127.0.0.2; the connection mounts it with the FUSE client under `mnt/glusterSD/`, and a domain is made
// on it (sanlock's O_DIRECT I/O included).

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { makeService, startSanlock, startSupervdsmd } from './helpers.js';

const gluster = (args: readonly string[]) =>
  execa('gluster', ['--mode=script', ...args], { timeout: 60_000, reject: false, stdin: 'ignore' });

t.test(
  'GLUSTERFS volume on 127.0.0.2, through supervdsmd',
  { skip: existsSync('/dev/fuse') ? false : 'kernel lacks FUSE (/dev/fuse)' },
  async (t) => {
    const dir = await diskDir(t, 'gluster');
    const state = join(dir, 'glusterd');
    const brick = join(dir, 'brick');
    await mkdir(state);
    await mkdir(brick);
    const daemon = execa(
      'glusterd',
      ['-N', '--xlator-option', `management.working-directory=${state}`, '-l', join(dir, 'glusterd.log')],
      {
        reject: false,
        buffer: false,
        stdin: 'ignore',
      },
    );
    t.teardown(async () => {
      daemon.kill('SIGTERM');
      await daemon;
    });
    await waitUntil(async () => (await gluster(['volume', 'list'])).exitCode === 0, {
      timeoutMs: 30_000,
      what: 'glusterd to answer',
    });
    const volume = `vdsmts${randomUUID().slice(0, 8)}`;
    const created = await gluster(['volume', 'create', volume, `127.0.0.2:${brick}`, 'force']);
    t.equal(created.exitCode, 0, `volume create: ${created.stdout}${created.stderr}`);
    t.equal((await gluster(['volume', 'start', volume])).exitCode, 0, 'volume started');
    t.teardown(async () => {
      await gluster(['volume', 'stop', volume, 'force']);
      await gluster(['volume', 'delete', volume]);
    });

    const repository = join(dir, 'repo');
    const supervdsm = await startSupervdsmd(t, dir, repository);
    const sanlock = await startSanlock(t, dir);
    const service = makeService(t, {
      repository,
      runDir: join(dir, 'run'),
      sanlockRunDir: sanlock.runDir,
      mounter: supervdsm.ops,
    });
    const spec = `127.0.0.2:/${volume}`;
    const mountPoint = join(repository, 'mnt', 'glusterSD', `127.0.0.2:_${volume}`);
    t.teardown(() => execa('umount', ['-l', mountPoint], { reject: false }));

    const conn = { id: randomUUID(), connection: spec, vfs_type: 'glusterfs' };
    t.same(await service.connections.connect(7, [conn]), [{ id: conn.id, status: 0 }]);
    const source = await execa('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '--mountpoint', mountPoint], { reject: false });
    t.match(source.stdout, new RegExp(`${spec}\\s+fuse\\.glusterfs`), `mounted on ${mountPoint}`);

    const sdUUID = randomUUID();
    await service.domains.create({
      sdUUID,
      domainType: 7,
      remotePath: spec,
      name: 'gluster',
      domainClass: 'Data',
      version: 5,
      blockSize: 512,
    });
    t.ok((await stat(join(brick, sdUUID, 'dom_md', 'metadata'))).isFile(), 'the domain is on the brick');
    t.match(await service.domains.info(sdUUID), { uuid: sdUUID, type: 'GLUSTERFS', version: 5 });
    t.same(await service.domains.list({ storageType: 'GLUSTERFS' }), [sdUUID]);

    t.same(await service.connections.disconnect(7, [conn]), [{ id: conn.id, status: 0 }]);
    t.equal((await execa('findmnt', ['--mountpoint', mountPoint], { reject: false })).exitCode, 1, 'unmounted');
  },
);
