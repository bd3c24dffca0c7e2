import t from 'tap';
import { parseIscsiLs, parseSendtargets } from '../src/ops/iscsi.js';
import { lvmConfig } from '../src/ops/lvm-command.js';
import { mountArgv } from '../src/ops/mount-command.js';

/** Output formats of tools this host cannot run for real (kernel initiator, NFS), checked against samples. */

t.test('iscsiadm sendtargets output', async (t) => {
  const out = [
    '192.0.2.10:3260,1 iqn.2026-11.org.example:storage.a',
    '[2001:db8::10]:3260,1 iqn.2026-11.org.example:storage.a',
    '192.0.2.11:3260,2 iqn.2026-11.org.example:storage.b',
    '',
  ].join('\n');
  t.same(parseSendtargets(out), [
    ['iqn.2026-11.org.example:storage.a', '192.0.2.10:3260'],
    ['iqn.2026-11.org.example:storage.a', '[2001:db8::10]:3260'],
    ['iqn.2026-11.org.example:storage.b', '192.0.2.11:3260'],
  ]);
});

t.test('iscsi-ls -s output', async (t) => {
  const out = [
    'Target:iqn.2026-11.org.example:one Portal:127.0.0.1:3260,1',
    'Lun:0    Type:STORAGE_ARRAY_CONTROLLER',
    'Lun:1    Type:DIRECT_ACCESS (Size:63M)',
    'Target:iqn.2026-11.org.example:two Portal:127.0.0.1:3260,1',
    '',
  ].join('\n');
  t.same(parseIscsiLs(out), [
    {
      iqn: 'iqn.2026-11.org.example:one',
      portal: '127.0.0.1:3260',
      luns: [
        { lun: 0, type: 'STORAGE_ARRAY_CONTROLLER' },
        { lun: 1, type: 'DIRECT_ACCESS' },
      ],
    },
    { iqn: 'iqn.2026-11.org.example:two', portal: '127.0.0.1:3260', luns: [] },
  ]);
});

t.test('mount command lines per vfs type', async (t) => {
  t.same(mountArgv('nfs', 'srv:/exp', '/proc/1/fd/9', ['timeo=600', 'retrans=6', 'soft']), [
    'mount',
    '--no-canonicalize',
    '-t',
    'nfs',
    '-o',
    'soft,nosharecache,timeo=600,retrans=6',
    'srv:/exp',
    '/proc/1/fd/9',
  ]);
  t.same(mountArgv('glusterfs', 'gl:/vol', '/proc/1/fd/9', ['backup-volfile-servers=gl2:gl3']), [
    'mount',
    '--no-canonicalize',
    '-t',
    'glusterfs',
    '-o',
    'backup-volfile-servers=gl2:gl3',
    'gl:/vol',
    '/proc/1/fd/9',
  ]);
  t.same(mountArgv('xfs', '/dev/sdb1', '/proc/1/fd/9', []), [
    'mount',
    '--no-canonicalize',
    '-t',
    'xfs',
    '/dev/sdb1',
    '/proc/1/fd/9',
  ]);
});

t.test('LVM filter accepts exactly the named devices', async (t) => {
  const config = lvmConfig(['/dev/loop0', '/dev/mapper/3600a0b8.1']);
  t.match(config, 'filter=["a|^/dev/loop0$|","a|^/dev/mapper/3600a0b8\\.1$|","r|.*|"]');
  t.match(config, 'hints="none"');
  t.match(config, 'obtain_device_list_from_udev=0');
});
