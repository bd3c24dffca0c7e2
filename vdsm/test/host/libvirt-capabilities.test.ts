/**
 * Host.getCapabilities with a hypervisor: the libvirt-derived fields on test:///default and on the real
 * qemu:///system (compared with what virsh says), checked against the schema's VdsmCapabilities.
 */
import { access, readFile } from 'node:fs/promises';
import { Connection } from '@vdsm-ts/native/libvirt/index';
import { execa } from 'execa';
import t from 'tap';
import { NET_CONFIG_DIRTY, STORAGE_CAPABILITIES } from '../../src/api/host-capabilities.js';
import { SchemaCompiler } from '../../src/api/validate.js';
import { collectCapabilities, type HostCapabilities } from '../../src/host/capabilities.js';
import {
  clusterLevels,
  cpuFlags,
  type KvmVerdict,
  parseDomainCpu,
  versionString,
} from '../../src/host/libvirt-capabilities.js';
import { VERBS } from '../../src/schema/index.js';
import { hostKvmProbe, kvmSupport } from '../../src/virt/kvm-support.js';
import { dpkgVersion } from './helpers.js';

/** The host's capabilities with what the API layer adds (storage facts, netConfigDirty), checked as sent. */
function checkSchema(caps: HostCapabilities): void {
  const entry = VERBS.get('Host.getCapabilities');
  if (entry?.schema.returns === undefined) throw new Error('Host.getCapabilities has no return type');
  const wire = { ...caps, ...STORAGE_CAPABILITIES, netConfigDirty: NET_CONFIG_DIRTY };
  new SchemaCompiler(entry.file, 'result').compile(entry.schema.returns)(wire, 'Host.getCapabilities');
}

async function devKvmExists(): Promise<boolean> {
  return access('/dev/kvm').then(
    () => true,
    () => false,
  );
}

const TCG: KvmVerdict = { useTcg: true, usable: false, reason: 'test' };

t.test('version numbers and cluster levels follow upstream', async (t) => {
  t.equal(versionString(9_000_000), '9.0.0');
  t.equal(versionString(10_010_002), '10.10.2');
  t.same(clusterLevels(7_010_000, 6_002_000), ['4.2', '4.3', '4.4', '4.5', '4.6']);
  t.same(clusterLevels(9_000_000, 7_002_022), ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7']);
  t.same(clusterLevels(10_010_000, 9_001_000), ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8']);
  t.same(clusterLevels(10_010_000, undefined), ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7'], 'no QEMU, no 4.8');
  t.equal(
    cpuFlags(['fpu', 'vme'], { models: ['qemu64', 'Skylake-Client-IBRS'], features: ['vme', 'x2apic'] }),
    'fpu,vme,x2apic,model_qemu64,model_Skylake-Client-IBRS,spec_ctrl',
  );
});

t.test('without a hypervisor the libvirt fields are left out', async (t) => {
  const caps = await collectCapabilities();
  for (const key of ['kvmEnabled', 'cpuFlags', 'numaNodes', 'emulatedMachines', 'clusterLevels']) {
    t.notOk(key in caps, `${key} needs libvirt`);
  }
  t.ok(caps.packages2.kernel, 'packages2 comes from the kernel and dpkg, not libvirt');
  t.doesNotThrow(() => checkSchema(caps));
});

t.test('test:///default: the test driver host as libvirt describes it', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => hv.close());
  const caps = await collectCapabilities({ hypervisor: hv, kvm: TCG });
  t.doesNotThrow(() => checkSchema(caps), 'fits VdsmCapabilities');
  const node = await hv.getNodeInfo();
  t.equal(caps.cpuThreads, String(node.cpus), 'threads from libvirt topology');
  t.equal(caps.cpuSockets, '2', 'socket ids 0 and 1 in the capabilities XML');
  t.same(Object.keys(caps.numaNodes ?? {}), ['0', '1'], 'the test driver has two NUMA cells');
  t.same(caps.numaNodes?.['0']?.cpus, [0, 1, 2, 3, 4, 5, 6, 7]);
  t.equal(caps.numaNodes?.['1']?.totalMemory, '4096');
  t.same(caps.numaNodeDistance?.['0'], []);
  const models = await hv.getCPUModelNames('i686');
  const flags = (caps.cpuFlags ?? '').split(',');
  t.ok(
    models.every((m) => flags.includes(`model_${m}`)),
    'no domain capabilities in the test driver: every model libvirt names',
  );
  t.ok(flags.includes('spec_ctrl'), 'an -IBRS model brings spec_ctrl');
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
  const hostFlag = /^flags\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  if (hostFlag !== undefined) t.ok(flags.includes(hostFlag), '/proc/cpuinfo flags are included');
  t.same(caps.emulatedMachines, [], 'no machine types for the test hypervisor');
  const libvirt0 = await dpkgVersion('libvirt0');
  t.equal(
    caps.packages2.libvirt?.version,
    libvirt0 ?? versionString(await hv.getLibVersion()),
    'libvirt: the Debian package (as upstream), else the running library',
  );
  t.equal(caps.packages2['qemu-kvm']?.version, await dpkgVersion('qemu-system-x86'), 'QEMU from dpkg, not the driver');
  t.equal(caps.kvmEnabled, (await devKvmExists()) ? 'true' : 'false', 'kvmEnabled: /dev/kvm exists (as upstream)');
  t.ok(caps.clusterLevels?.includes('4.6'));
});

const system = await Connection.open({ uri: 'qemu:///system' }).catch((error: Error) => {
  const why = `qemu:///system is not reachable (${error.message})`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
});

t.test('qemu:///system: the real host and QEMU', { skip: typeof system === 'string' ? system : false }, async (t) => {
  if (typeof system === 'string') return;
  const hv = system;
  t.teardown(() => hv.close());
  const kvm = await kvmSupport('auto');
  t.comment(`KVM verdict: ${kvm.useTcg ? 'TCG' : 'KVM'} (${(await hostKvmProbe()).reason})`);
  const started = performance.now();
  const caps = await collectCapabilities({ hypervisor: hv, kvm });
  t.comment(`getCapabilities with libvirt: ${Math.round(performance.now() - started)} ms`);
  t.doesNotThrow(() => checkSchema(caps), 'fits VdsmCapabilities');

  const virsh = async (...args: string[]) =>
    (await execa('virsh', ['-c', 'qemu:///system', ...args], { timeout: 60_000, maxBuffer: 1 << 22 })).stdout;
  const version = await virsh('version');
  // dpkg's version (epoch:upstream-revision) of the QEMU and libvirt that virsh reports running
  const upstreamPart = (v: string | undefined) => (v ?? '').replace(/^\d+:/, '');
  const qemu = /Running hypervisor: QEMU (\d+\.\d+)/.exec(version)?.[1] ?? 'none';
  t.ok(upstreamPart(caps.packages2['qemu-kvm']?.version).startsWith(qemu), `QEMU ${qemu} as virsh reports it`);
  const lib = /Using library: libvirt (\S+)/.exec(version)?.[1] ?? 'none';
  t.ok(upstreamPart(caps.packages2.libvirt?.version).startsWith(lib), `libvirt ${lib} as virsh reports it`);

  const domcaps = await virsh(
    'domcapabilities',
    '--virttype',
    kvm.useTcg ? 'qemu' : 'kvm',
    '--arch',
    process.arch === 'x64' ? 'x86_64' : process.arch,
  );
  const usable = [...domcaps.matchAll(/<model usable='yes'[^>]*>([^<]+)<\/model>/g)].map((m) => m[1]);
  const flags = (caps.cpuFlags ?? '').split(',');
  t.ok(usable.length > 0, `${usable.length} usable CPU models`);
  t.same(
    flags.filter((f) => f.startsWith('model_')).sort(),
    usable.map((m) => `model_${m}`).sort(),
    'model_* = exactly the usable models of the domain capabilities',
  );
  const unusable = /<model usable='no'[^>]*>([^<]+)<\/model>/.exec(domcaps)?.[1];
  if (unusable !== undefined) t.notOk(flags.includes(`model_${unusable}`), `${unusable} is not offered`);

  const capsXml = await virsh('capabilities');
  t.ok((caps.emulatedMachines ?? []).includes('q35'), 'q35 among emulated machines');
  t.ok(
    (caps.emulatedMachines ?? []).some((m) => m.startsWith('pc-q35-')),
    'canonical machine names too',
  );
  const cells = [...capsXml.matchAll(/<cell id='(\d+)'>/g)].map((m) => m[1]);
  t.same(Object.keys(caps.numaNodes ?? {}), cells, 'one numaNodes entry per cell');
  t.equal(caps.cpuThreads, String([...capsXml.matchAll(/<cpu id='\d+'/g)].length));
  t.same(
    Object.values(caps.numaNodeDistance ?? {}).map((d) => d.length),
    cells.map(() => cells.length),
    'a distance to every cell',
  );
  t.equal(caps.kvmEnabled, (await devKvmExists()) ? 'true' : 'false');
  t.ok(caps.clusterLevels?.includes('4.7'), 'libvirt >= 8.0 gives 4.7');
});

t.test('domain capabilities parsing: usable custom models and required host-model features', async (t) => {
  const { DOMParser } = await import('@xmldom/xmldom');
  const doc = new DOMParser().parseFromString(
    `<domainCapabilities><cpu>
      <mode name='host-model' supported='yes'><model>EPYC</model>
        <feature policy='require' name='x2apic'/><feature policy='disable' name='vme'/></mode>
      <mode name='custom' supported='yes'>
        <model usable='yes'>qemu64</model><model usable='no'>Skylake-Server</model></mode>
    </cpu></domainCapabilities>`,
    'text/xml',
  );
  const root = doc.documentElement;
  if (root === null) throw new Error('no root');
  t.same(parseDomainCpu(root), { models: ['qemu64'], features: ['x2apic'] });
});
