import { readFileSync } from 'node:fs';
import t from 'tap';
import { negotiateOnHeartbeat } from '../../../src/virt/guestagent/api-version.js';
import { GuestInfo } from '../../../src/virt/guestagent/guest-info.js';
import { MessageReader } from '../../../src/virt/guestagent/reader.js';

// Recorded from the real agent (guest-agent/) talking to a host that sent refresh and then api-version 3.
const TRANSCRIPT = readFileSync(
  new URL('../../../../test/virt/guestagent/transcripts/linux-agent-v3.jsonl', import.meta.url),
);

function replay(bytes: Buffer): { info: GuestInfo; names: string[]; refused: string[] } {
  const info = new GuestInfo();
  const names: string[] = [];
  const refused: string[] = [];
  const reader = new MessageReader({
    message: (name, args) => {
      names.push(name);
      const r = info.apply(name, args);
      if (!r.ok) refused.push(r.code);
    },
    refused: (code) => refused.push(code),
  });
  reader.push(bytes);
  return { info, names, refused };
}

t.test('defaults are upstream getGuestInfo defaults', async (t) => {
  t.same(new GuestInfo().stats({ responsive: true, memUsage: undefined }), {
    username: 'Unknown',
    appsList: [],
    guestIPs: '',
    guestFQDN: '',
    session: 'Unknown',
    guestCPUCount: -1,
  });
});

t.test('the recorded agent transcript gives getStats fields in upstream encodings', async (t) => {
  const { info, names, refused } = replay(TRANSCRIPT);
  t.same(refused, [], 'every recorded message is understood');
  t.equal(names.length, TRANSCRIPT.toString().trim().split('\n').length);
  const s = info.stats({ responsive: true, memUsage: undefined });
  t.equal(s.guestName, 'vm');
  t.equal(s.guestFQDN, 'vm');
  t.equal(s.guestOs, '6.18.44-fc-v782');
  t.equal(s.guestIPs, '192.0.2.2', 'IPv4 addresses, space separated');
  t.same(s.netIfaces, [
    { name: 'eth0', hw: '02:fc:00:00:00:01', inet: ['192.0.2.2'], inet6: ['fd00::2', 'fe80::fc:ff:fe00:1'] },
  ]);
  t.equal(s.username, 'None', "the agent's literal None when nobody is logged in");
  t.same(s.appsList, []);
  t.same(s.guestContainers, []);
  t.same(s.disksUsage, [
    { path: '/', fs: 'ext4', total: '270553174016', used: '24348778496' },
    { path: '/run/netns', fs: 'ext4', total: '270553174016', used: '24348778496' },
  ]);
  t.same(info.diskMapping, { '20166422148376022': { name: '/dev/vda' } });
  t.same(s.guestTimezone, { zone: 'Etc/UTC', offset: 0 });
  t.same(s.guestOsInfo, {
    version: '12',
    distribution: 'Debian GNU/Linux',
    codename: 'bookworm',
    arch: 'x86_64',
    type: 'linux',
    kernel: '6.18.44-fc-v782',
  });
  t.same(s.memoryStats, {
    mem_total: '24683656',
    mem_unused: '22370760',
    mem_buffers: '29272',
    mem_cached: '1181544',
    swap_in: '0',
    swap_out: '0',
    pageflt: '10110',
    majflt: '0',
    mem_free: '22370760',
  });
  t.equal(info.freeRamMiB, 23028);
});

t.test('an unresponsive agent keeps only the cached facts', async (t) => {
  const { info } = replay(TRANSCRIPT);
  info.apply('number-of-cpus', { count: 2 });
  info.apply('session-lock', {});
  const s = info.stats({ responsive: false, memUsage: '0' });
  t.same(Object.keys(s).sort(), [
    'appsList',
    'guestCPUCount',
    'guestFQDN',
    'guestIPs',
    'memUsage',
    'netIfaces',
    'session',
    'username',
  ]);
  t.equal(s.session, 'Unknown');
  t.equal(s.guestCPUCount, -1);
  t.equal(s.guestIPs, '192.0.2.2');
  const live = info.stats({ responsive: true, memUsage: undefined });
  t.equal(live.session, 'Locked');
  t.equal(live.guestCPUCount, 2);
});

t.test('message handlers follow upstream rules', async (t) => {
  const info = new GuestInfo();
  t.same(info.apply('network-interfaces', { interfaces: [{ name: 'eth1', hw: 'aa' }] }), { ok: true });
  t.same(info.netIfaces, [{ name: 'eth1', hw: 'aa', inet: [], inet6: [] }], 'missing inet/inet6 become []');
  t.equal(info.guestIPs, '');
  info.apply('network-interfaces', {
    interfaces: [
      { name: 'a', hw: '', inet: ['10.0.0.1', '10.0.0.2'], inet6: [] },
      { name: 'b', hw: '', inet: [], inet6: ['fe80::1'] },
      { name: 'c', hw: '', inet: ['10.1.0.1'], inet6: [] },
    ],
  });
  t.equal(info.guestIPs, '10.0.0.1 10.0.0.2 10.1.0.1');

  info.apply('active-user', { name: 'None' });
  t.equal(info.username, 'None');
  const login = info.lastLogin;
  info.apply('active-user', { name: 'Unknown' });
  t.equal(info.username, 'None', '"Unknown" does not replace "None"');
  t.equal(info.lastLogin, login);
  info.apply('active-user', { name: 'alice' });
  t.equal(info.username, 'alice');
  t.type(info.lastLogin, 'number', 'a new user sets lastLogin');

  for (const [name, session] of [
    ['session-logon', 'UserLoggedOn'],
    ['session-lock', 'Locked'],
    ['session-unlock', 'Active'],
    ['session-logoff', 'LoggedOff'],
  ] as const) {
    info.apply(name, {});
    t.equal(info.session, session, `${name} -> ${session}`);
  }
  info.guestRebooted();
  t.equal(info.username, 'Unknown', 'a guest reboot logs the user out');
  t.equal(info.lastUser, 'alice');
  t.type(info.lastLogout, 'number');
  t.equal(info.session, 'Unknown');
  t.match(info.stats({ responsive: true, memUsage: undefined }), { lastUser: 'alice', username: 'Unknown' });
  info.apply('applications', { applications: ['kernel-6.1', 'ovirt-guest-agent-1.0'] });
  t.same(info.appsList, ['kernel-6.1', 'ovirt-guest-agent-1.0']);
  info.apply('uninstalled', {});
  t.same(info.appsList, [], 'uninstalled clears the applications');

  t.same(info.apply('heartbeat', { 'free-ram': 512 }), { ok: true }, 'free-ram as a number is accepted (int())');
  t.equal(info.freeRamMiB, 512);
  t.equal(info.apply('number-of-cpus', { count: '4' }).ok, true);
  t.equal(info.guestCPUCount, 4);
});

t.test('bad arguments and unknown names change nothing', async (t) => {
  const info = new GuestInfo();
  info.apply('host-name', { name: 'good' });
  const before = info.stats({ responsive: true, memUsage: undefined });
  const cases: [string, Record<string, unknown>, string][] = [
    ['heartbeat', {}, 'GA_ERR_BAD_ARGS'],
    ['heartbeat', { 'free-ram': 'lots' }, 'GA_ERR_BAD_ARGS'],
    ['heartbeat', { 'free-ram': '1', 'memory-stat': [1] }, 'GA_ERR_BAD_ARGS'],
    ['host-name', { name: 42 }, 'GA_ERR_BAD_ARGS'],
    ['network-interfaces', { interfaces: 'eth0' }, 'GA_ERR_BAD_ARGS'],
    ['network-interfaces', { interfaces: [{ name: 'x', inet: [1] }] }, 'GA_ERR_BAD_ARGS'],
    ['disks-usage', { disks: [{ path: '/', total: 'big', used: 1 }] }, 'GA_ERR_BAD_ARGS'],
    ['disks-usage', { disks: [], mapping: { s: 'vda' } }, 'GA_ERR_BAD_ARGS'],
    ['applications', { applications: [null] }, 'GA_ERR_BAD_ARGS'],
    ['timezone', { zone: 'UTC' }, 'GA_ERR_BAD_ARGS'],
    ['os-info', { version: 12 }, 'GA_ERR_BAD_ARGS'],
    ['containers', { list: 'none' }, 'GA_ERR_BAD_ARGS'],
    ['memory-stats', { memory: {} }, 'GA_ERR_UNKNOWN_NAME'],
    ['__proto__', {}, 'GA_ERR_UNKNOWN_NAME'],
    ['constructor', {}, 'GA_ERR_UNKNOWN_NAME'],
    ['no-such-message', {}, 'GA_ERR_UNKNOWN_NAME'],
  ];
  for (const [name, args, code] of cases) {
    const r = info.apply(name, args);
    t.equal(r.ok ? 'ok' : r.code, code, `${name} ${JSON.stringify(args)}`);
  }
  t.same(info.stats({ responsive: true, memUsage: undefined }), before);
});

t.test('API version negotiation per heartbeat', async (t) => {
  t.same(negotiateOnHeartbeat(0, { apiVersion: 0 }), { version: 0, announce: false });
  t.same(negotiateOnHeartbeat(0, { apiVersion: 3 }), { version: 3, announce: true });
  t.same(negotiateOnHeartbeat(3, { apiVersion: 3 }), { version: 3, announce: false });
  t.same(negotiateOnHeartbeat(3, { apiVersion: 0 }), { version: 0, announce: false }, 'stored 3, first heartbeat 0');
  t.same(negotiateOnHeartbeat(0, { apiVersion: 7 }), { version: 3, announce: true }, 'clamped to 3');
  t.same(negotiateOnHeartbeat(2, { apiVersion: -1 }), { version: 0, announce: false });
  t.same(negotiateOnHeartbeat(2, { apiVersion: '3' }), { version: 0, announce: false }, 'not an int counts as 0');
  t.same(negotiateOnHeartbeat(3, {}), { version: 0, announce: false }, 'an old agent disables versioning');
  t.same(negotiateOnHeartbeat(0, {}), { version: 0, announce: false });
});
