/** The collectors against this machine's /proc, /sys, dpkg database and filesystems. */
import { readFile, statfs, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { run } from '../../src/agent/exec.js';
import { findPackageTools, listApplications, parseDpkgList, parseRpmList } from '../../src/collectors/applications.js';
import { convertContainers, listContainers } from '../../src/collectors/containers.js';
import { disksUsage, parseMounts, unescapeMountField } from '../../src/collectors/disks.js';
import { MemorySampler, parseMeminfo } from '../../src/collectors/memory.js';
import { listInterfaces } from '../../src/collectors/network.js';
import {
  normalizeArch,
  numberOfCpus,
  parseCpuList,
  standardOffsetMinutes,
  timezoneName,
} from '../../src/collectors/system.js';
import { activeUser, NO_USER, parseUtmpUsers } from '../../src/collectors/users.js';

t.test('memory matches /proc/meminfo', async (t) => {
  const sampler = new MemorySampler();
  const a = await sampler.sample();
  const mem = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
  t.equal(a.stat.mem_total, mem.get('MemTotal'));
  t.equal(a.stat.swap_total, mem.get('SwapTotal'));
  const free = ((mem.get('MemFree') ?? 0) + (mem.get('Buffers') ?? 0) + (mem.get('Cached') ?? 0)) / 1024;
  t.ok(Math.abs(Number(a.freeRam) - free) < Math.max(256, free * 0.1), `free-ram ${a.freeRam} ≈ ${free}`);
  t.equal(a.stat.pageflt, 0, 'no rate before a second sample');
  const b = await sampler.sample();
  t.ok(b.stat.pageflt >= 0 && Number.isInteger(b.stat.pageflt), 'a rate after the second sample');
});

t.test('cpus, arch, time zone', async (t) => {
  t.equal(parseCpuList('0-3,5\n'), 5);
  t.equal(parseCpuList('0'), 1);
  t.equal(parseCpuList('garbage'), -1);
  t.equal(parseCpuList('3-1'), -1);
  t.equal(await numberOfCpus(), cpus().length, 'online CPUs as Node counts them');
  t.equal(await numberOfCpus('/nonexistent'), -1);
  t.equal(normalizeArch('i686'), 'x86');
  t.equal(normalizeArch('x86_64'), 'x86_64');
  const dir = await tempDir(t, 'ga-test-');
  await writeFile(join(dir, 'timezone'), 'Europe/Prague\n');
  t.equal(await timezoneName(dir), 'Europe/Prague', '/etc/timezone when localtime is no link');
  t.ok((await timezoneName()).length > 0, `this host: ${await timezoneName()}`);
  // Standard time, east of UTC, DST ignored (Node re-reads TZ when it is assigned).
  const saved = process.env.TZ;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  for (const [zone, minutes] of [
    ['America/New_York', -300],
    ['Asia/Kolkata', 330],
    ['Europe/Prague', 60],
    ['Australia/Sydney', 600],
    ['UTC', 0],
  ] as const) {
    process.env.TZ = zone;
    t.equal(standardOffsetMinutes(2026), minutes, zone);
  }
});

t.test('network interfaces against /sys', async (t) => {
  const nics = await listInterfaces([]);
  t.notOk(
    nics.some((n) => n.name === 'lo'),
    'no loopback',
  );
  for (const n of nics) t.match(n, { name: String, hw: String, inet: Array, inet6: Array });
  if (nics.length > 0) t.same(await listInterfaces([nics[0]?.name ?? '']), nics.slice(1), 'ignored NICs are left out');
});

t.test('disks usage against statfs', async (t) => {
  t.equal(unescapeMountField('/mnt/with\\040space'), '/mnt/with space');
  t.same(parseMounts('/dev/vda / ext4 rw 0 0\nproc /proc proc rw 0 0\n'), [
    { device: '/dev/vda', path: '/', fs: 'ext4' },
    { device: 'proc', path: '/proc', fs: 'proc' },
  ]);
  const disks = await disksUsage(['proc', 'sysfs', 'tmpfs', 'devtmpfs', 'devpts', 'cgroup2'], true);
  const root = disks.find((d) => d.path === '/');
  const st = await statfs('/');
  t.equal(root?.total, st.bsize * st.blocks);
  t.notOk(
    disks.some((d) => d.fs === 'proc'),
    'ignored types left out',
  );
  t.notOk(
    disks.some((d) => d.total === 0),
    'zero-size left out',
  );
  const dir = await tempDir(t, 'ga-test-');
  await writeFile(join(dir, 'mounts'), `x ${dir.replaceAll(' ', '\\040')} myfs rw 0 0\nbroken line\n`);
  t.match(await disksUsage([], true, join(dir, 'mounts')), [{ path: dir, fs: 'myfs' }]);
});

t.test('applications from the dpkg database', async (t) => {
  t.same(
    parseDpkgList(
      'bash\t5.2\t\tii \nfoo\t1\t\trc \nlinux-image-6\t6.1\tlinux-image, x (= 1)\tii \n',
      new Set(['bash', 'foo', 'linux-image']),
    ),
    ['bash-5.2', 'linux-image-6.1'],
  );
  t.same(parseRpmList('kernel\t5.14.0\t70.el9\npackage cloud-init is not installed\n'), ['kernel-5.14.0-70.el9']);
  const tools = await findPackageTools();
  if (tools.dpkgQuery === undefined) {
    // Debian 12 always has dpkg-query; elsewhere the live half of this test cannot run.
    if (process.env.CI === 'true') t.fail('dpkg-query is missing');
    else t.comment('live query skipped: no dpkg-query on this machine');
    return;
  }
  const apps = await listApplications(['bash', 'coreutils', 'no-such-package-here'], tools);
  const res = await run(['dpkg-query', '-W', '-f', `\${Version}`, 'bash']);
  t.ok(apps.includes(`bash-${res.stdout}`), `bash-${res.stdout} reported`);
  t.notOk(apps.some((a) => a.startsWith('no-such-package-here')));
  t.same(await listApplications([], tools), []);
});

t.test('active user from utmp', async (t) => {
  const rec = (type: number, user: string): Buffer => {
    const b = Buffer.alloc(384);
    b.writeInt32LE(type, 0);
    b.write(user, 44);
    return b;
  };
  t.same(
    parseUtmpUsers(Buffer.concat([rec(2, 'reboot'), rec(7, 'zed'), rec(7, 'amy'), rec(8, 'gone'), Buffer.alloc(10)])),
    ['amy', 'zed'],
  );
  const dir = await tempDir(t, 'ga-test-');
  await writeFile(join(dir, 'utmp'), Buffer.concat([rec(7, 'bob')]));
  t.equal(await activeUser(join(dir, 'utmp')), 'bob');
  t.equal(await activeUser(join(dir, 'absent')), NO_USER);
});

t.test('containers', async (t) => {
  t.same(
    convertContainers([{ Id: 'abc', Names: ['/web', 3], Image: 'nginx', Command: 'run', Status: 'Up 2 minutes' }, 5]),
    [{ id: 'abc', names: ['/web'], image: 'nginx', command: 'run', status: 'Up 2 minutes' }],
  );
  t.same(convertContainers({ message: 'no' }), []);
  const dir = await tempDir(t, 'ga-test-');
  t.same(await listContainers(join(dir, 'no-docker.sock')), [], 'no Docker socket, no containers');
});
