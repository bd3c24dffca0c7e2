/**
 * The part of Host.getCapabilities that comes from libvirt (upstream `host/caps.py`, `virt/machinetype.py`,
 * `common/cpuarch.py`, `host/numa.py`): CPU topology and NUMA cells from the capabilities XML, emulated machines,
 * CPU flags with `model_<Name>` for every CPU model the hypervisor can run, TSC, versions and
 * cluster levels. Under fake KVM (guests run under TCG) the domain capabilities are asked for virt type `qemu`, so
 * the CPU models are the ones TCG can run.
 */
import type { Hypervisor } from '@vdsm-ts/native/libvirt/index';
import { DOMParser, type Element } from '@xmldom/xmldom';
import type { CpuInfo } from './capabilities.js';

/** The KVM verdict of the virt layer (`virt/kvm-support.ts`), passed in by the caller. */
export interface KvmVerdict {
  /** Guests asking for `kvm` run under TCG (`qemu`). */
  readonly useTcg: boolean;
  /** Whether KVM can run an ordinary guest here. */
  readonly usable: boolean;
  readonly reason: string;
}

export interface NumaNode {
  readonly cpus: readonly number[];
  /** MiB */
  readonly totalMemory: string;
  readonly hugepages: Record<string, { totalPages: string }>;
}

export interface PackageVersion {
  readonly version: string;
  readonly release: string;
}

export interface LibvirtCapabilities {
  readonly cpuFlags: string;
  readonly cpuCores: string;
  readonly cpuThreads: string;
  readonly cpuSockets: string;
  readonly onlineCpus: string;
  readonly cpuTopology: readonly CpuInfo[];
  readonly numaNodes: Record<string, NumaNode>;
  readonly numaNodeDistance: Record<string, number[]>;
  readonly emulatedMachines: readonly string[];
  readonly tscFrequency: string;
  readonly tscScaling: boolean;
  readonly hostdevPassthrough: 'true' | 'false';
  readonly packages2: Record<string, PackageVersion>;
  readonly clusterLevels: readonly string[];
}

export interface LibvirtCapabilitiesInput {
  readonly hypervisor: Hypervisor;
  readonly kvm?: KvmVerdict;
  /** Flags from /proc/cpuinfo, in their order. */
  readonly hostFlags: readonly string[];
  /** Whether /sys/kernel/iommu_groups has groups (device assignment possible). */
  readonly iommuGroups: boolean;
}

const BASE_CLUSTER_LEVELS = ['4.2', '4.3', '4.4', '4.5', '4.6'] as const;

function elements(parent: Element | undefined, name: string): Element[] {
  if (parent === undefined) return [];
  return Array.from(parent.getElementsByTagName(name));
}

function childElements(parent: Element | undefined, name: string): Element[] {
  const out: Element[] = [];
  if (parent === undefined) return out;
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

function first(parent: Element | undefined, name: string): Element | undefined {
  return childElements(parent, name)[0];
}

function attr(e: Element | undefined, name: string): string | undefined {
  return e?.hasAttribute(name) ? (e.getAttribute(name) ?? undefined) : undefined;
}

function text(e: Element | undefined): string {
  return (e?.textContent ?? '').trim();
}

function parse(xml: string): Element {
  const root = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`invalid libvirt XML: ${message.trim()}`);
    },
  }).parseFromString(xml, 'text/xml').documentElement;
  if (root === null) throw new Error('invalid libvirt XML: no root element');
  return root;
}

/** libvirt's version number (major * 1e6 + minor * 1e3 + micro) as "major.minor.micro". */
export function versionString(n: number): string {
  return `${Math.floor(n / 1e6)}.${Math.floor((n % 1e6) / 1e3)}.${n % 1e3}`;
}

/** upstream: 4.7 needs libvirt 8.0; 4.8 needs libvirt 10.10 and QEMU 9.1. */
export function clusterLevels(libvirt: number, qemu: number | undefined): string[] {
  const levels: string[] = [...BASE_CLUSTER_LEVELS];
  if (libvirt >= 8_000_000) levels.push('4.7');
  if (libvirt >= 10_010_000 && qemu !== undefined && qemu >= 9_001_000) levels.push('4.8');
  return levels;
}

interface Topology {
  readonly cpus: CpuInfo[];
  readonly numaNodes: Record<string, NumaNode>;
  readonly distances: Record<string, number[]>;
}

/** NUMA cells and CPUs of `<host><topology>`. */
export function parseTopology(host: Element | undefined): Topology {
  const cpus: CpuInfo[] = [];
  const numaNodes: Record<string, NumaNode> = {};
  const distances: Record<string, number[]> = {};
  const cells = first(first(host, 'topology'), 'cells');
  for (const cell of childElements(cells, 'cell')) {
    const id = attr(cell, 'id') ?? '0';
    const cellCpus: number[] = [];
    for (const cpu of elements(first(cell, 'cpus'), 'cpu')) {
      const cpuId = Number(attr(cpu, 'id'));
      if (!Number.isInteger(cpuId)) continue;
      cellCpus.push(cpuId);
      cpus.push({
        cpu_id: cpuId,
        numa_cell_id: Number(id),
        socket_id: Number(attr(cpu, 'socket_id') ?? 0),
        die_id: Number(attr(cpu, 'die_id') ?? 0),
        core_id: Number(attr(cpu, 'core_id') ?? cpuId),
      });
    }
    const hugepages: Record<string, { totalPages: string }> = {};
    for (const pages of childElements(cell, 'pages')) {
      const size = attr(pages, 'size');
      if (size !== undefined) hugepages[size] = { totalPages: text(pages) || '0' };
    }
    const memory = first(cell, 'memory');
    numaNodes[id] = {
      cpus: cellCpus,
      totalMemory: String(Math.floor(Number(text(memory) || 0) / 1024)),
      hugepages,
    };
    distances[id] = childElements(first(cell, 'distances'), 'sibling').map((s) => Number(attr(s, 'value') ?? 0));
  }
  cpus.sort((a, b) => a.cpu_id - b.cpu_id);
  return { cpus, numaNodes, distances };
}

/** Machine types of the guest arch, with the canonical names of aliases (`pc` -> `pc-i440fx-7.2`). */
export function parseEmulatedMachines(caps: Element, arch: string): string[] {
  const out = new Set<string>();
  for (const guest of childElements(caps, 'guest')) {
    for (const a of childElements(guest, 'arch')) {
      if (attr(a, 'name') !== arch) continue;
      for (const m of childElements(a, 'machine')) {
        const name = text(m);
        if (name !== '') out.add(name);
        const canonical = attr(m, 'canonical');
        if (canonical !== undefined) out.add(canonical);
      }
    }
  }
  return [...out];
}

export interface CpuModels {
  /** Models the hypervisor can run (usable='yes' in domain capabilities). */
  readonly models: readonly string[];
  /** host-model features libvirt requires. */
  readonly features: readonly string[];
}

export function parseDomainCpu(domcaps: Element): CpuModels {
  const models: string[] = [];
  const features: string[] = [];
  for (const mode of elements(first(domcaps, 'cpu'), 'mode')) {
    const name = attr(mode, 'name');
    if (name === 'custom') {
      for (const m of childElements(mode, 'model')) if (attr(m, 'usable') === 'yes') models.push(text(m));
    } else if (name === 'host-model') {
      for (const f of childElements(mode, 'feature')) {
        const fname = attr(f, 'name');
        if (fname !== undefined && attr(f, 'policy') === 'require') features.push(fname);
      }
    }
  }
  return { models, features };
}

/** upstream: /proc/cpuinfo flags, then the host-model features, then model_<Name> per model (+ spec_ctrl). */
export function cpuFlags(hostFlags: readonly string[], cpu: CpuModels): string {
  const flags = new Set<string>(hostFlags);
  for (const f of cpu.features) flags.add(f);
  for (const m of cpu.models) flags.add(`model_${m}`);
  if (cpu.models.some((m) => m.endsWith('-IBRS'))) flags.add('spec_ctrl');
  return [...flags].join(',');
}

/** The architecture names libvirt uses for Node's os.arch() values. */
const LIBVIRT_ARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64',
  ia32: 'i686',
  arm64: 'aarch64',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

export function libvirtArch(nodeArch: string): string {
  return LIBVIRT_ARCH[nodeArch] ?? nodeArch;
}

async function cpuModels(hv: Hypervisor, arch: string, virtType: string): Promise<CpuModels> {
  try {
    return parseDomainCpu(parse(await hv.getDomainCapabilities({ arch, virtType })));
  } catch (error) {
    // drivers without domain capabilities (the test driver): every model name libvirt knows, no features
    if ((error as { code?: unknown }).code !== 3) throw error; // VIR_ERR_NO_SUPPORT
    return { models: await hv.getCPUModelNames(arch), features: [] };
  }
}

export async function collectLibvirtCapabilities(input: LibvirtCapabilitiesInput): Promise<LibvirtCapabilities> {
  const hv = input.hypervisor;
  const [capsXml, libVersion, hvVersion, uri] = await Promise.all([
    hv.getCapabilities(),
    hv.getLibVersion(),
    hv.getVersion(),
    hv.getURI(),
  ]);
  const caps = parse(capsXml);
  const host = first(caps, 'host');
  const hostCpu = first(host, 'cpu');
  // the guest architecture: the host's as libvirt names it (fake_kvm_architecture is x86_64, this host's own)
  const arch = text(first(hostCpu, 'arch')) || libvirtArch(process.arch);
  // fake KVM: ask what TCG can run, so the CPU models (and so the engine's cluster CPU match) are honest
  const virtType = input.kvm?.useTcg === true ? 'qemu' : 'kvm';
  const models = await cpuModels(hv, arch, virtType);
  const topology = parseTopology(host);
  const sockets = new Set(topology.cpus.map((c) => c.socket_id));
  const cores = new Set(topology.cpus.map((c) => `${c.socket_id}/${c.die_id}/${c.core_id}`));
  const tsc = childElements(hostCpu, 'counter').find((c) => attr(c, 'name') === 'tsc');
  const isQemu = uri.startsWith('qemu');
  const iommu = attr(first(host, 'iommu'), 'support');
  const packages2: Record<string, PackageVersion> = { libvirt: { version: versionString(libVersion), release: '' } };
  if (isQemu) packages2['qemu-kvm'] = { version: versionString(hvVersion), release: '' };
  return {
    cpuFlags: cpuFlags(input.hostFlags, models),
    cpuCores: String(cores.size),
    cpuThreads: String(topology.cpus.length),
    cpuSockets: String(sockets.size),
    onlineCpus: topology.cpus.map((c) => c.cpu_id).join(','),
    cpuTopology: topology.cpus,
    numaNodes: topology.numaNodes,
    numaNodeDistance: topology.distances,
    emulatedMachines: parseEmulatedMachines(caps, arch),
    tscFrequency: attr(tsc, 'frequency') ?? '',
    tscScaling: attr(tsc, 'scaling') === 'yes',
    hostdevPassthrough: input.iommuGroups || iommu === 'yes' ? 'true' : 'false',
    packages2,
    clusterLevels: clusterLevels(libVersion, isQemu ? hvVersion : undefined),
  };
}
