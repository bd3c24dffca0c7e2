/**
 * Host.getCapabilities: every key upstream's caps.py get() reports, read from /proc, /sys, /etc, dpkg and ip(8),
 * plus (given a hypervisor) what libvirt says (libvirt-capabilities.ts: CPU flags and models, NUMA, machine
 * types, TSC, cluster levels). Field names and wire types follow upstream (numbers as strings where upstream sends
 * strings). Without a hypervisor the libvirt fields are left out; nothing is made up. The storage facts
 * (domain_versions, supported_block_size) and netConfigDirty are the API layer's to add.
 */
import { access } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { Hypervisor } from '@vdsm-ts/native/libvirt/index';
import type { CpuInfo, VdsmCapabilities } from '../schema/api-types.generated.js';
import { hbaInventory, iscsiInitiatorName } from './hba.js';
import { installedHooks } from './hooks.js';
import { collectLibvirtCapabilities, type KvmVerdict } from './libvirt-capabilities.js';
import { collectNetworkCapabilities } from './network-caps.js';
import { bootUuid, cpuAffinity, kdumpStatus, kernelFeatures, nestedVirtualization } from './os-facts.js';
import { packageVersions } from './packages.js';
import { cpuNodes, listDir, parseCpuList, parseMeminfo, parseOsRelease, readInt, readText } from './procfs.js';
import { availableRngSources } from './rng-sources.js';

export type { CpuInfo };

/** Memory vdsm keeps from guests, MiB (vdsm.conf [vars] host_mem_reserve + extra_mem_reserve, guest_ram_overhead). */
export interface MemoryReservations {
  readonly reservedMem: number;
  readonly guestOverhead: number;
}

/** What getCapabilities may consult beyond the machine itself. */
export interface CapabilitySources {
  readonly hypervisor?: Hypervisor;
  /** The virt layer's KVM verdict (fake_kvm_support applied). */
  readonly kvm?: KvmVerdict;
  /** Defaults to upstream's defaults (256 + 65, 65). */
  readonly memory?: MemoryReservations;
  /** The DMI system UUID, read with privileges (supervdsmd); the host's uuid when /etc/vdsm/vdsm.id is absent. */
  readonly systemUuid?: () => Promise<string | undefined>;
  /** Whether libvirt's qemu.conf sets vnc_tls = 1 (root-only, asked of supervdsmd); false without it, as upstream. */
  readonly vncTls?: () => Promise<boolean>;
}

/** What collectCapabilities reports: the schema's type without the keys other layers add. */
export type HostCapabilities = Omit<VdsmCapabilities, 'netConfigDirty' | 'domain_versions' | 'supported_block_size'>;

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
const DEFAULT_MEMORY: MemoryReservations = { reservedMem: 256 + 65, guestOverhead: 65 };
/** The host id an administrator may pin (upstream P_VDSM_NODE_ID); it wins over the DMI UUID. */
const NODE_ID_FILE = '/etc/vdsm/vdsm.id';
const DMI_UUID = '/sys/class/dmi/id/product_uuid';
const DMI_TABLES = '/sys/firmware/dmi/tables/DMI';

/**
 * Constant answers of upstream's caps.py: features this API implements the way upstream does (live snapshots and
 * merges, backups, the storage verbs' options) and libgfapi, which upstream reports unconditionally.
 */
const FEATURE_FLAGS = {
  liveSnapshot: 'true',
  liveMerge: 'true',
  additionalFeatures: ['libgfapi_supported'],
  backupEnabled: true,
  coldBackupEnabled: true,
  clearBitmapsEnabled: true,
  deferred_preallocation: true,
  cd_change_pdiv: true,
  refresh_disk_supported: true,
  replicate_extend: true,
  measure_subchain: true,
  measure_active: true,
  qemu_image_info_bitmaps: true,
  // vdsm-ts has no storage mailbox events, and libvirt here has no zero-copy migration flag in use
  mailbox_events: false,
  zerocopy_migrations: false,
  // OVN needs openvswitch and the ovirt-provider-ovn driver, which vdsm-ts does not configure
  ovnConfigured: false,
} as const;

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

/** upstream host.uuid(): /etc/vdsm/vdsm.id, else the DMI system UUID in lower case; none when neither exists. */
async function hostUuid(sources: CapabilitySources): Promise<string | undefined> {
  const pinned = (await readText(NODE_ID_FILE))?.split('\n')[0]?.trim();
  if (pinned) return pinned;
  const sysfs = (await readText(DMI_UUID))?.trim();
  if (sysfs) return sysfs.toLowerCase();
  // only root reads the DMI UUID; ask supervdsmd when this machine has DMI at all (many VMs and containers have none)
  if (!(await exists(DMI_UUID)) && !(await exists(DMI_TABLES))) return undefined;
  const dmi = await sources.systemUuid?.().catch(() => undefined);
  return dmi ? dmi.toLowerCase() : undefined;
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
    selinux,
    hugepageDirs,
    realtime,
    version,
  ] = await Promise.all([
    readText('/proc/cpuinfo'),
    readText('/sys/devices/system/cpu/online'),
    readText('/proc/meminfo'),
    readText('/etc/os-release'),
    readText('/proc/cmdline'),
    readInt('/proc/sys/crypto/fips_enabled'),
    readInt('/proc/sys/kernel/numa_balancing'),
    readInt('/sys/fs/selinux/enforce'),
    listDir('/sys/kernel/mm/hugepages'),
    readInt('/sys/kernel/realtime'),
    vdsmVersion(),
  ]);
  const [
    network,
    rngSources,
    hba,
    initiator,
    hooks,
    kdump,
    features,
    nested,
    boot,
    vnc,
    affinity,
    uuid,
    packages,
    libvirt,
  ] = await Promise.all([
    collectNetworkCapabilities(),
    availableRngSources(),
    hbaInventory(),
    iscsiInitiatorName(),
    installedHooks(),
    kdumpStatus(),
    kernelFeatures(),
    nestedVirtualization(),
    // upstream leaves boot_uuid out when findmnt fails
    bootUuid().catch(() => undefined),
    sources.vncTls?.().catch(() => false) ?? false,
    cpuAffinity(),
    hostUuid(sources),
    packageVersions(version),
    libvirtPart(sources, cpuinfo ?? ''),
  ]);
  const online = parseCpuList(onlineText ?? '0');
  const topology = await cpuTopology(online);
  const sockets = new Set(topology.map((c) => c.socket_id));
  const cores = new Set(topology.map((c) => `${c.socket_id}/${c.die_id}/${c.core_id}`));
  const mem = parseMeminfo(meminfo ?? '');
  const os = parseOsRelease(osRelease ?? '');
  const memory = sources.memory ?? DEFAULT_MEMORY;
  // the running libvirt and QEMU stand in for packages dpkg does not know (built from source)
  const { packages2: running, ...libvirtFacts } = libvirt;
  return {
    cpuCores: String(cores.size),
    cpuThreads: String(online.length),
    cpuSockets: String(sockets.size),
    onlineCpus: online.join(','),
    cpuTopology: topology,
    cpuSpeed: cpuinfoField(cpuinfo ?? '', 'cpu MHz') ?? '0',
    cpuModel: cpuinfoField(cpuinfo ?? '', 'model name') ?? 'unknown',
    vdsmToCpusAffinity: affinity,
    memSize: String(Math.floor((mem.get('MemTotal') ?? 0) / 1024)),
    reservedMem: String(memory.reservedMem),
    guestOverhead: String(memory.guestOverhead),
    software_version: version,
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
    packages2: { ...running, ...packages },
    kernelArgs: (cmdline ?? '').trim(),
    realtimeKernel: realtime === 1,
    nestedVirtualization: nested,
    kernelFeatures: features,
    fipsEnabled: fips === 1,
    // upstream: -1 disabled, 0 permissive, 1 enforcing
    selinux: { mode: selinux === undefined ? '-1' : String(selinux) },
    autoNumaBalancing: numaBalancing === 0 ? 0 : numaBalancing === 1 ? 1 : 2,
    hostedEngineDeployed: false,
    hugepages: hugepageSizes(hugepageDirs),
    rngSources,
    HBAInventory: hba,
    ISCSIInitiatorName: initiator,
    hooks,
    kdumpStatus: kdump,
    vncEncrypted: vnc,
    ...(boot === undefined ? {} : { boot_uuid: boot }),
    ...(uuid === undefined ? {} : { uuid }),
    ...FEATURE_FLAGS,
    ...network,
    ...libvirtFacts,
  };
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
