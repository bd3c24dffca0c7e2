// The readers behind Host.getCapabilities and Host.getStats, each compared with what the machine says when asked
// directly (dpkg-query, /sys, /proc, statfs), plus the pure parsers on fixed input.

import { chmod, mkdir, mkdtemp, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { diskStats } from '../../src/host/disk-stats.js';
import { installedHooks } from '../../src/host/hooks.js';
import { pciName } from '../../src/host/hostdev.js';
import { hugepageState, numaNodeMemFree } from '../../src/host/memory-stats.js';
import { kdumpStatus, kernelFeatures } from '../../src/host/os-facts.js';
import { kernelVersion, packageVersions, parseDpkgQuery } from '../../src/host/packages.js';
import { availableRngSources } from '../../src/host/rng-sources.js';
import { dpkgVersion } from './helpers.js';

const readOr = (path: string) =>
  readFile(path, 'utf8').then(
    (s) => s,
    () => undefined,
  );

t.test('packages2: the kernel split as upstream, the rest from dpkg', async (t) => {
  t.same(kernelVersion('6.1.0-18-amd64'), { version: '6.1.0', release: '18-amd64' });
  t.same(kernelVersion('6.18.44-fc-v1300'), { version: '6.18.44', release: 'fc-v1300' });
  t.same(kernelVersion('weird'), { version: '0', release: '0' }, 'no dash: upstream reports 0/0');
  t.same(
    [...parseDpkgQuery('libvirt0\tinstalled\t9.0.0-4\nqemu-kvm\tnot-installed\t\nlvm2\tinstalled\t2.03.16-2\n')],
    [
      ['libvirt0', '9.0.0-4'],
      ['lvm2', '2.03.16-2'],
    ],
    'packages that are not installed are left out',
  );
  const packages = await packageVersions('1.2.3');
  t.same(packages.vdsm, { version: '1.2.3', release: '' });
  t.equal(packages.libvirt?.version, await dpkgVersion('libvirt0'), 'libvirt: Debian package libvirt0');
  t.equal(packages['spice-server']?.version, await dpkgVersion('libspice-server1'), 'spice-server: libspice-server1');
  t.equal(packages['qemu-img']?.version, await dpkgVersion('qemu-utils'), 'qemu-img: qemu-utils');
  if ((await dpkgVersion('mom')) === undefined) t.notOk('mom' in packages, 'a package that is not installed is absent');
});

t.test('hooks: executable files per hook directory with their SHA-256', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'hooks-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'before_vm_start'));
  await mkdir(join(root, 'after_vm_destroy'));
  await writeFile(join(root, 'before_vm_start', '50_hello'), 'hello\n');
  await chmod(join(root, 'before_vm_start', '50_hello'), 0o755);
  await writeFile(join(root, 'before_vm_start', 'README'), 'not a hook\n');
  await writeFile(join(root, 'after_vm_destroy', 'disabled'), '#!/bin/sh\n');
  t.same(await installedHooks(root), {
    before_vm_start: { '50_hello': { checksum: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' } },
  });
  t.same(await installedHooks(join(root, 'absent')), {}, 'no hooks root: no hooks');
});

t.test('RNG sources, kdump and CPU vulnerabilities as the kernel has them', async (t) => {
  const rng = await availableRngSources();
  t.equal(rng.includes('random'), (await readdir('/dev')).includes('random'));
  t.equal(rng.includes('hwrng'), (await readdir('/dev')).includes('hwrng'));
  const loaded = await readOr('/sys/kernel/kexec_crash_loaded');
  const kdump = await kdumpStatus();
  if (loaded === undefined) t.equal(kdump, -1, 'no kexec_crash_loaded: unknown');
  else if (loaded.trim() === '0') t.equal(kdump, 0, 'no crash kernel loaded: disabled');
  const features = await kernelFeatures();
  const dir = '/sys/devices/system/cpu/vulnerabilities';
  const names = await readdir(dir).catch(() => [] as string[]);
  t.same(Object.keys(features).sort(), names.map((n) => n.toUpperCase()).sort());
  for (const name of names.slice(0, 3)) {
    t.equal(features[name.toUpperCase()], `(${(await readFile(join(dir, name), 'utf8')).trim()})`);
  }
});

t.test('hugepage pools, free memory per NUMA node and free disk space', async (t) => {
  const pools = await hugepageState();
  const dirs = await readdir('/sys/kernel/mm/hugepages').catch(() => [] as string[]);
  t.same(Object.keys(pools).sort(), dirs.map((d) => /(\d+)/.exec(d)![1]!).sort(), 'one entry per page size');
  for (const d of dirs) {
    const size = /(\d+)/.exec(d)![1]!;
    const nr = Number(await readFile(`/sys/kernel/mm/hugepages/${d}/nr_hugepages`, 'utf8'));
    t.equal(pools[size]?.nr_hugepages, nr, `${size} KiB: nr_hugepages`);
    t.equal(pools[size]?.['vm.free_hugepages'], pools[size]?.free_hugepages, 'vdsm-ts reserves none');
  }
  const numa = await numaNodeMemFree();
  const node0 = await readOr('/sys/devices/system/node/node0/meminfo');
  if (node0 !== undefined) {
    const free = Number(/MemFree:\s+(\d+)/.exec(node0)![1]);
    t.ok(Math.abs(Number(numa['0']?.memFree) - free / 1024) < 256, 'node 0 free memory ≈ its meminfo (MiB)');
    t.ok(numa['0']!.memPercent >= 0 && numa['0']!.memPercent <= 100);
    t.ok('4' in numa['0']!.hugepages, 'the 4 KiB base page is listed, as libvirt lists it');
  }
  const disks = await diskStats();
  t.same(Object.keys(disks), ['/tmp', '/var/log', '/var/run/vdsm/']);
  const tmp = await statfs('/tmp');
  t.ok(Math.abs(Number(disks['/tmp']?.free) - (tmp.bavail * tmp.bsize) / 2 ** 20) < 64, '/tmp free MiB ≈ statfs');
  t.same(await diskStats(['/no/such/path']), { '/no/such/path': { free: '0' } }, 'unreadable: 0, as upstream');
});

t.test('libvirt names of PCI functions', async (t) => {
  t.equal(pciName('0000:00:1f.2'), 'pci_0000_00_1f_2');
  t.equal(pciName('0000:3b:00.1'), 'pci_0000_3b_00_1');
});
