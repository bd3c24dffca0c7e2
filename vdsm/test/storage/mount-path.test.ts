// Upstream's mount-point naming and connection parameters, without mounting anything.
import t from 'tap';
import type { VdsmError } from '../../src/errors/vdsm-error.js';
import { mountPointFor, normalizeRemotePath, transformPath } from '../../src/storage/connection/mount-path.js';
import { describeConnection } from '../../src/storage/connection/storage-server.js';

t.test('mount point names', async (t) => {
  t.equal(transformPath('srv:/exp/a_b'), 'srv:_exp_a__b', 'the fact sheet example');
  t.equal(normalizeRemotePath('srv:/exp//a/'), 'srv:/exp/a');
  t.equal(normalizeRemotePath('/data//local/'), '/data/local');
  t.equal(normalizeRemotePath('/'), '/');
  t.equal(mountPointFor('/rhev/data-center', 'srv:/exp/', 'nfs'), '/rhev/data-center/mnt/srv:_exp');
  t.equal(mountPointFor('/rhev/data-center', 'gl1:/vol_1', 'glusterfs'), '/rhev/data-center/mnt/glusterSD/gl1:_vol__1');
  t.equal(mountPointFor('/rhev/data-center', '/srv/local_sd', 'localfs'), '/rhev/data-center/mnt/_srv_local__sd');
});

t.test('connection parameters', async (t) => {
  const nfs = describeConnection('NFS', '/r', {
    connection: 'srv:/exp',
    protocol_version: '4.2',
    timeout: 600,
    retrans: 6,
    mnt_options: 'rw',
  });
  t.same(nfs, {
    type: 'NFS',
    remotePath: 'srv:/exp',
    localPath: '/r/mnt/srv:_exp',
    vfsType: 'nfs',
    options: ['soft', 'nosharecache', 'timeo=600', 'retrans=6', 'nfsvers=4.2', 'rw'],
  });
  t.same(describeConnection('NFS', '/r', { connection: 'srv:/exp', protocol_version: 'auto' }).options, [
    'soft',
    'nosharecache',
    'timeo=100',
    'retrans=3',
  ]);
  t.match(
    describeConnection('POSIXFS', '/r', {
      connection: '/dev/sdb1',
      vfs_type: 'xfs',
      mnt_options: 'noatime,nodiratime',
    }),
    {
      localPath: '/r/mnt/_dev_sdb1',
      vfsType: 'xfs',
      options: ['noatime', 'nodiratime'],
    },
  );
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as VdsmError).code;
    }
    return 0;
  };
  t.equal(
    codeOf(() => describeConnection('NFS', '/r', { connection: 'no-colon-path' })),
    453,
  );
  t.equal(
    codeOf(() => describeConnection('LOCALFS', '/r', { connection: 'relative/path' })),
    453,
  );
  t.equal(
    codeOf(() => describeConnection('POSIXFS', '/r', { connection: '/dev/sdb1' })),
    453,
    'POSIXFS needs vfs_type',
  );
  t.equal(
    codeOf(() => describeConnection('LOCALFS', '/r', {})),
    453,
  );
  t.equal(
    codeOf(() => describeConnection('ISCSI', '/r', { connection: 'x' })),
    468,
    'block connections: StorageTypeError',
  );
});
