/**
 * Host.getCapabilities: facts about this machine read from /proc, /sys and /etc, plus (given a hypervisor) what
 * libvirt says (libvirt-capabilities.ts: CPU flags and models, NUMA, machine types, versions, cluster levels).
 * Field names and wire types follow upstream (numbers as strings where upstream sends strings). Without a
 * hypervisor the libvirt fields are left out, and so are the network layer's (nics, networks, bridges, …) until
 * it exists; nothing is made up.
 */
import { access } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { Hypervisor } from '@vdsm-ts/native/libvirt/index';
import type { CpuInfo } from '../schema/api-types.generated.js';
import { collectLibvirtCapabilities, type KvmVerdict, type LibvirtCapabilities } from './libvirt-capabilities.js';
import { cpuNodes, listDir, parseCpuList, parseMeminfo, parseOsRelease, readInt, readText } from './procfs.js';

export type { CpuInfo };

/** What getCapabilities may consult beyond the machine itself. */
export interface CapabilitySources {
  readonly hypervisor?: Hypervisor;
  /** The virt layer's KVM verdict (fake_kvm_support applied). */
  readonly kvm?: KvmVerdict;
}

export interface HostCapabilities extends Partial<Omit<LibvirtCapabilities, CpuFields>> {
  /** "true" when /dev/kvm exists (also under fake KVM, as upstream). Present with a hypervisor. */
  readonly kvmEnabled?: 'true' | 'false';
  readonly cpuFlags?: string;
  readonly cpuCores: string;
  readonly cpuThreads: string;
  readonly cpuSockets: string;
  readonly onlineCpus: string;
  readonly cpuTopology: readonly CpuInfo[];
  readonly cpuSpeed: string;
  readonly cpuModel: string;
  readonly memSize: string;
  readonly software_version: string;
  readonly software_revision: string;
  readonly version_name: string;
  readonly supportedENGINEs: readonly string[];
  readonly vmTypes: readonly 'kvm'[];
  readonly operatingSystem: { name: OsName; release: string; version: string; pretty_name: string };
  readonly kernelArgs: string;
  readonly realtimeKernel: boolean;
  readonly fipsEnabled: boolean;
  readonly selinux: { mode: string };
  readonly autoNumaBalancing: 0 | 1 | 2;
  readonly nameservers: readonly string[];
  readonly supportsIPv6: boolean;
  readonly hostedEngineDeployed: boolean;
  /** Hugepage sizes the kernel offers, KiB. */
  readonly hugepages: readonly number[];
  readonly uuid?: string;
  readonly ISCSIInitiatorName?: string;
  readonly lastClientIface?: string;
}

/** Distribution names upstream reports (`ID` of os-release mapped). */
export type OsName = 'Debian' | 'Fedora' | 'RHEL' | 'unknown';

/** Engine versions this API speaks (a property of the API, not of the machine). */
export const SUPPORTED_ENGINES = ['4.2', '4.3', '4.4', '4.5'] as const;
const OS_NAMES: ReadonlyMap<string, OsName> = new Map([
  ['debian', 'Debian'],
  ['fedora', 'Fedora'],
  ['rhel', 'RHEL'],
  ['centos', 'RHEL'],
]);

async function vdsmVersion(): Promise<string> {
  // dist/src/host/ → the package root
  const text = await readText(new URL('../../../package.json', import.meta.url).pathname);
  if (text === undefined) return '0.0.0';
  const parsed: unknown = JSON.parse(text);
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

async function cpuTopology(online: readonly number[]): Promise<CpuInfo[]> {
  const nodes = await cpuNodes();
  return Promise.all(
    online.map(async (cpu) => {
      const dir = `/sys/devices/system/cpu/cpu${cpu}/topology`;
      const [socket, die, core] = await Promise.all([
        readInt(`${dir}/physical_package_id`),
        readInt(`${dir}/die_id`),
        readInt(`${dir}/core_id`),
      ]);
      return {
        cpu_id: cpu,
        numa_cell_id: nodes.get(cpu) ?? 0,
        socket_id: socket ?? 0,
        die_id: die ?? 0,
        core_id: core ?? cpu,
      };
    }),
  );
}

function cpuinfoField(cpuinfo: string, key: string): string | undefined {
  const m = new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo);
  return m?.[1]?.trim();
}

/** Topology fields that libvirt's view replaces when it has one. */
type CpuFields = 'cpuCores' | 'cpuThreads' | 'cpuSockets' | 'onlineCpus' | 'cpuTopology';

/** `hugepages-2048kB` directory names -> [2048] */
function hugepageSizes(dirs: readonly string[]): number[] {
  return dirs
    .map((d) => /^hugepages-(\d+)kB$/.exec(d)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function libvirtPart(sources: CapabilitySources, cpuinfo: string): Promise<Partial<HostCapabilities>> {
  if (sources.hypervisor === undefined) return {};
  const [iommuGroups, devKvm] = await Promise.all([
    listDir('/sys/kernel/iommu_groups').then((groups) => groups.length > 0),
    exists('/dev/kvm'),
  ]);
  const lv = await collectLibvirtCapabilities({
    hypervisor: sources.hypervisor,
    ...(sources.kvm === undefined ? {} : { kvm: sources.kvm }),
    hostFlags: (cpuinfoField(cpuinfo, 'flags') ?? '').split(/\s+/).filter(Boolean),
    iommuGroups,
  });
  const { cpuCores, cpuThreads, cpuSockets, onlineCpus, cpuTopology, ...rest } = lv;
  // libvirt's topology (upstream's source) when it has one; a driver without cells keeps the sysfs view
  const cpu = cpuTopology.length > 0 ? { cpuCores, cpuThreads, cpuSockets, onlineCpus, cpuTopology } : {};
  return { kvmEnabled: devKvm ? 'true' : 'false', ...rest, ...cpu };
}

export async function collectCapabilities(sources: CapabilitySources = {}): Promise<HostCapabilities> {
  const [
    cpuinfo,
    onlineText,
    meminfo,
    osRelease,
    cmdline,
    fips,
    numaBalancing,
    resolv,
    inet6,
    selinux,
    productUuid,
    iscsi,
    hugepageDirs,
  ] = await Promise.all([
    readText('/proc/cpuinfo'),
    readText('/sys/devices/system/cpu/online'),
    readText('/proc/meminfo'),
    readText('/etc/os-release'),
    readText('/proc/cmdline'),
    readInt('/proc/sys/crypto/fips_enabled'),
    readInt('/proc/sys/kernel/numa_balancing'),
    readText('/etc/resolv.conf'),
    readText('/proc/net/if_inet6'),
    readInt('/sys/fs/selinux/enforce'),
    readText('/sys/class/dmi/id/product_uuid'),
    readText('/etc/iscsi/initiatorname.iscsi'),
    listDir('/sys/kernel/mm/hugepages'),
  ]);
  const online = parseCpuList(onlineText ?? '0');
  const topology = await cpuTopology(online);
  const sockets = new Set(topology.map((c) => c.socket_id));
  const cores = new Set(topology.map((c) => `${c.socket_id}/${c.die_id}/${c.core_id}`));
  const mem = parseMeminfo(meminfo ?? '');
  const os = parseOsRelease(osRelease ?? '');
  const realtime = await readInt('/sys/kernel/realtime');
  const iscsiName = iscsi === undefined ? undefined : /^InitiatorName=(.*)$/m.exec(iscsi)?.[1]?.trim();
  const caps: HostCapabilities = {
    cpuCores: String(cores.size),
    cpuThreads: String(online.length),
    cpuSockets: String(sockets.size),
    onlineCpus: online.join(','),
    cpuTopology: topology,
    cpuSpeed: cpuinfoField(cpuinfo ?? '', 'cpu MHz') ?? '0',
    cpuModel: cpuinfoField(cpuinfo ?? '', 'model name') ?? 'unknown',
    memSize: String(Math.floor((mem.get('MemTotal') ?? 0) / 1024)),
    software_version: await vdsmVersion(),
    software_revision: '0',
    version_name: 'vdsm-ts',
    supportedENGINEs: SUPPORTED_ENGINES,
    vmTypes: ['kvm'],
    operatingSystem: {
      name: OS_NAMES.get(os.get('ID') ?? '') ?? 'unknown',
      release: os.get('VERSION_CODENAME') ?? '',
      version: os.get('VERSION_ID') ?? '',
      pretty_name: os.get('PRETTY_NAME') ?? '',
    },
    kernelArgs: (cmdline ?? '').trim(),
    realtimeKernel: realtime === 1,
    fipsEnabled: fips === 1,
    // upstream: -1 disabled, 0 permissive, 1 enforcing
    selinux: { mode: selinux === undefined ? '-1' : String(selinux) },
    autoNumaBalancing: numaBalancing === 0 ? 0 : numaBalancing === 1 ? 1 : 2,
    nameservers: [...(resolv ?? '').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!),
    supportsIPv6: inet6 !== undefined,
    hostedEngineDeployed: false,
    hugepages: hugepageSizes(hugepageDirs),
    ...(productUuid === undefined ? {} : { uuid: productUuid.trim() }),
    ...(iscsiName === undefined ? {} : { ISCSIInitiatorName: iscsiName }),
    ...(await libvirtPart(sources, cpuinfo ?? '')),
  };
  return caps;
}

/** The interface whose network holds the peer address (loopback peers → `lo`); the bridge adds it per call. */
export function interfaceFacing(peer: string): string | undefined {
  const address = peerAddress(peer);
  if (address === undefined) return undefined;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !address.includes(':') && sameSubnet(a.address, address, a.netmask)) return name;
    }
  }
  return undefined;
}

function peerAddress(peer: string): string | undefined {
  // "1.2.3.4:5678", "[::1]:5678" or "::ffff:127.0.0.1:5678"
  const bracket = /^\[([^\]]+)\]:\d+$/.exec(peer);
  let host = bracket?.[1] ?? peer.replace(/:\d+$/, '');
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (host === '::1') return '127.0.0.1';
  return host === '' ? undefined : host;
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number;
}

function sameSubnet(a: string, b: string, mask: string): boolean {
  const [x, y, m] = [ipv4(a), ipv4(b), ipv4(mask)];
  if (x === undefined || y === undefined || m === undefined) return false;
  return (x & m) >>> 0 === (y & m) >>> 0;
}
