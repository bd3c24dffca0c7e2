/**
 * qemu-guest-agent: the converters on libvirt's typed-parameter layout (virDomainGetGuestInfo) and the agent's raw
 * replies, and the poller on libvirt's test driver, which has no guest agent: it must fail once, pause and say so
 * once. The poller against a real qemu-ga runs in tests/test/guest-agent.
 */

import { Connection } from '@vdsm-ts/native/libvirt/index';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { QemuGuestAgentPoller } from '../../../src/virt/guestagent/index.js';
import {
  disksMapping,
  filesystems,
  fsDiskMapping,
  interfaces,
  normalizeArch,
  onlineVcpus,
  osInfo,
  parseCaps,
  timezoneInfo,
  usersToUsername,
} from '../../../src/virt/guestagent/qga-convert.js';
import { capturedLogging } from './helpers.js';

t.test('guest-info capabilities: version and enabled commands', async (t) => {
  const caps = parseCaps(
    JSON.stringify({
      return: {
        version: '7.2.0',
        supported_commands: [
          { name: 'guest-get-osinfo', enabled: true, 'success-response': true },
          { name: 'guest-exec', enabled: false, 'success-response': true },
          { name: 42, enabled: true },
        ],
      },
    }),
  );
  t.equal(caps?.version, '7.2.0');
  t.same([...(caps?.commands ?? [])], ['guest-get-osinfo']);
  t.equal(parseCaps('{"error":{"class":"CommandNotFound"}}'), undefined);
  t.equal(parseCaps('not json'), undefined);
});

t.test('users, OS, time zone from typed parameters', async (t) => {
  t.equal(
    usersToUsername({
      'user.count': 2,
      'user.0.name': 'root',
      'user.0.login-time': 1700000000000,
      'user.1.name': 'alice',
      'user.1.domain': 'EXAMPLE',
    }),
    'root, alice@EXAMPLE',
  );
  t.equal(usersToUsername({ 'user.count': 0 }), '');
  t.same(
    osInfo({
      'os.id': 'debian',
      'os.name': 'Debian GNU/Linux',
      'os.pretty-name': 'Debian GNU/Linux 12 (bookworm)',
      'os.version': '12 (bookworm)',
      'os.version-id': '12',
      'os.kernel-release': '6.1.0-56-cloud-amd64',
      'os.kernel-version': '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3',
      'os.machine': 'x86_64',
    }),
    {
      guestOs: '6.1.0-56-cloud-amd64',
      guestOsInfo: {
        type: 'linux',
        arch: 'x86_64',
        kernel: '6.1.0-56-cloud-amd64',
        distribution: 'Debian GNU/Linux',
        version: '12',
        codename: '',
      },
      kernelRelease: '6.1.0-56-cloud-amd64',
    },
  );
  t.same(
    osInfo({
      'os.id': 'mswindows',
      'os.pretty-name': 'Windows Server 2022 Standard',
      'os.kernel-version': '10.0',
      'os.machine': 'x86_64',
    }),
    {
      guestOs: 'Windows Server 2022 Standard',
      guestOsInfo: {
        type: 'windows',
        arch: 'x86_64',
        kernel: '',
        distribution: '',
        version: '10.0',
        codename: 'Windows Server 2022 Standard',
      },
      kernelRelease: undefined,
    },
  );
  t.equal(osInfo({ hostname: 'x' }), undefined, 'no os.* keys: nothing');
  t.same(['i686', 'i386', 'x86_64', 'ppc64le', 'aarch64', undefined].map(normalizeArch), [
    'x86',
    'x86',
    'x86_64',
    'ppc64le',
    'unknown',
    'unknown',
  ]);
  t.same(timezoneInfo({ 'timezone.name': 'CET', 'timezone.offset': 3600 }), { offset: 60, zone: 'CET' });
  t.same(timezoneInfo({ 'timezone.offset': -16200 }), { offset: -270, zone: 'unknown' });
  t.equal(timezoneInfo({}), undefined);
});

t.test('filesystems and disk mapping', async (t) => {
  const p = {
    'fs.count': 3,
    'fs.0.mountpoint': '/',
    'fs.0.name': 'vda1',
    'fs.0.fstype': 'ext4',
    'fs.0.total-bytes': 10737418240,
    'fs.0.used-bytes': 2147483648,
    'fs.0.disk.count': 1,
    'fs.0.disk.0.serial': 'abcdef0123456789abcd',
    'fs.0.disk.0.device': '/dev/vda1',
    'fs.1.mountpoint': '/boot/efi',
    'fs.1.fstype': 'vfat',
    'fs.2.mountpoint': '/data',
    'fs.2.fstype': 'xfs',
    'fs.2.total-bytes': 1000,
    'fs.2.used-bytes': 10,
  };
  t.same(filesystems(p), [
    { path: '/', fs: 'ext4', total: '10737418240', used: '2147483648' },
    { path: '/data', fs: 'xfs', total: '1000', used: '10' },
  ]);
  t.same(fsDiskMapping(p), { abcdef0123456789abcd: { name: '/dev/vda' } }, 'partition number stripped');
  t.same(
    disksMapping({
      'disk.count': 2,
      'disk.0.name': '/dev/vda',
      'disk.0.serial': 'abcdef0123456789abcd',
      'disk.1.name': '/dev/vda1',
      'disk.1.partition': true,
    }),
    { abcdef0123456789abcd: { name: '/dev/vda' } },
  );
  t.same(filesystems({ 'fs.count': 1e9 }), [], 'absurd counts are bounded');
});

t.test('raw network interfaces and vCPUs', async (t) => {
  const reply = JSON.stringify({
    return: [
      {
        name: 'lo',
        'hardware-address': '00:00:00:00:00:00',
        'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }],
      },
      {
        name: 'eth0',
        'hardware-address': '56:6f:01:02:03:04',
        'ip-addresses': [
          { 'ip-address-type': 'ipv4', 'ip-address': '198.18.1.2', prefix: 24 },
          { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::546f:1ff:fe02:304', prefix: 64 },
        ],
        statistics: { 'rx-bytes': 1 },
      },
      { name: 'eth1' },
    ],
  });
  t.same(interfaces(reply), [
    { name: 'eth0', hw: '56:6f:01:02:03:04', inet: ['198.18.1.2'], inet6: ['fe80::546f:1ff:fe02:304'] },
    { name: 'eth1', hw: '', inet: [], inet6: [] },
  ]);
  t.equal(interfaces('{"return":{}}'), undefined);
  t.equal(
    onlineVcpus(
      '{"return":[{"logical-id":0,"online":true,"can-offline":false},{"logical-id":1,"online":false,"can-offline":true}]}',
    ),
    1,
  );
  t.equal(onlineVcpus('{}'), -1);
});

t.test('poller on a hypervisor without guest agents: one failure, a pause, one log line', async (t) => {
  const conn = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => conn.close());
  const [domain] = await conn.listAllDomains();
  if (domain === undefined) throw new Error('test:///default has no domain');
  const { logging, lines } = capturedLogging();
  const poller = new QemuGuestAgentPoller({
    vmId: domain.uuid,
    domain,
    logger: logging.get('virt.qga'),
    intervalSeconds: 0.02,
    failureBackoffSeconds: 60,
  });
  t.teardown(() => poller.stop());
  poller.start();
  await waitUntil(() => (lines().some((l) => l.msg === 'qemu-guest-agent query failed; pausing') ? true : undefined), {
    timeoutMs: 10_000,
    what: 'the failure',
  });
  await poller.poll();
  await poller.poll();
  t.equal(lines().filter((l) => l.msg === 'qemu-guest-agent query failed; pausing').length, 1, 'logged once');
  t.match(
    lines().find((l) => l.msg === 'qemu-guest-agent query failed; pausing'),
    { vmId: domain.uuid, err: /not supported/ },
  );
  t.notOk(poller.isWorking());
  t.equal(poller.caps, undefined);
  t.same(poller.stats(), {}, 'nothing reported');
});
