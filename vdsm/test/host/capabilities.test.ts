import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import t from 'tap';
import { collectCapabilities, interfaceFacing } from '../../src/host/capabilities.js';
import { meminfoKiB } from './helpers.js';

t.test('capabilities describe this machine', async (t) => {
  const caps = await collectCapabilities();
  const { MemTotal } = await meminfoKiB('MemTotal');
  t.ok(MemTotal! > 0, 'this kernel reports MemTotal');
  t.equal(caps.memSize, String(Math.floor(MemTotal! / 1024)), 'memSize = MemTotal of /proc/meminfo in MiB');
  t.equal(Number(caps.memSize), Math.floor(totalmem() / 1024 / 1024), "and agrees with Node's os.totalmem()");
  t.equal(caps.cpuThreads, String(cpus().length), 'one thread per online cpu');
  t.equal(caps.onlineCpus.split(',').length, cpus().length);
  t.equal(caps.cpuTopology.length, cpus().length);
  t.ok(Number(caps.cpuCores) >= 1 && Number(caps.cpuCores) <= Number(caps.cpuThreads));
  t.ok(Number(caps.cpuSockets) >= 1);
  t.equal(caps.cpuModel, cpus()[0]!.model.trim());
  t.ok(Number(caps.cpuSpeed) > 0);
  const osRelease = await readFile('/etc/os-release', 'utf8');
  t.ok(osRelease.includes(caps.operatingSystem.pretty_name));
  t.equal(caps.kernelArgs, (await readFile('/proc/cmdline', 'utf8')).trim());
  t.match(caps.software_version, /^\d+\.\d+\.\d+/);
  t.notOk('kvmEnabled' in caps, 'libvirt-derived fields need a hypervisor (libvirt-capabilities.test.ts)');
  t.notOk('cpuFlags' in caps);
});

t.test('lastClientIface: the interface facing the peer', async (t) => {
  t.equal(interfaceFacing('127.0.0.1:5555'), 'lo');
  t.equal(interfaceFacing('[::1]:5555'), 'lo');
  t.equal(interfaceFacing('::ffff:127.0.0.1:5555'), 'lo');
  t.equal(interfaceFacing('203.0.113.9:1'), undefined, 'no interface on that network');
  t.equal(interfaceFacing(''), undefined);
});
