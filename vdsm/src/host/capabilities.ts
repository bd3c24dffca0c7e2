/**
 * Host.getCapabilities: facts about this machine read from /proc, /sys and /etc. Field names and wire types follow
 * upstream (numbers as strings where upstream sends strings). Fields that come from libvirt (cpuFlags,
 * emulatedMachines, numaNodes, kvmEnabled, clusterLevels, …) and from the network layer (nics, networks, bridges, …)
 * are left out until those layers exist; nothing is made up.
 */
import { networkInterfaces } from 'node:os';
import { cpuNodes, parseCpuList, parseMeminfo, parseOsRelease, readInt, readText } from './procfs.js';

export interface CpuInfo {
  readonly cpu_id: number;
  readonly numa_cell_id: number;
  readonly socket_id: number;
  readonly die_id: number;
  readonly core_id: number;
}

export interface HostCapabilities {
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

export async function collectCapabilities(): Promise<HostCapabilities> {
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
    ...(productUuid === undefined ? {} : { uuid: productUuid.trim() }),
    ...(iscsiName === undefined ? {} : { ISCSIInitiatorName: iscsiName }),
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
