/**
 * Memory facts of Host.getStats beyond /proc/meminfo: free memory per NUMA node with its free pages per page
 * size (upstream sampling.py NumaNodeMemorySample, which asks libvirt for the same kernel counters), and the
 * hugepage pools (upstream hugepages.state()). Read each sample from /sys.
 */
import type { NumaNodeMemoryStats } from '../schema/api-types.generated.js';
import { listDir, parseMeminfo, readInt, readText } from './procfs.js';

const NODES = '/sys/devices/system/node';
const HUGEPAGES = '/sys/kernel/mm/hugepages';
/** The base page, which libvirt lists among a cell's page sizes (KiB). */
const BASE_PAGE_KIB = 4;

/** `hugepages-2048kB` → 2048 */
function pageSize(dir: string): number | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dir);
  return m === null ? undefined : Number(m[1]);
}

/** `Node 0 MemFree:  123 kB` lines → KiB by key. */
function parseNodeMeminfo(text: string): Map<string, number> {
  return parseMeminfo(text.replace(/^Node \d+ /gm, ''));
}

async function nodeStats(dir: string | undefined, meminfo: Map<string, number>): Promise<NumaNodeMemoryStats> {
  const totalKiB = meminfo.get('MemTotal') ?? 0;
  const freeKiB = meminfo.get('MemFree') ?? 0;
  const hugepages: Record<string, { freePages: number }> = { [BASE_PAGE_KIB]: { freePages: Math.floor(freeKiB / 4) } };
  const pools = dir === undefined ? HUGEPAGES : `${dir}/hugepages`;
  for (const pool of await listDir(pools)) {
    const size = pageSize(pool);
    if (size !== undefined) hugepages[size] = { freePages: (await readInt(`${pools}/${pool}/free_hugepages`)) ?? 0 };
  }
  return {
    memFree: String(Math.floor(freeKiB / 1024)),
    // a node without memory counts as full (upstream)
    memPercent: totalKiB === 0 ? 100 : 100 - Math.floor((100 * freeKiB) / totalKiB),
    hugepages,
  };
}

/** Per NUMA node index; a kernel without NUMA in sysfs is one node 0 holding all memory. */
export async function numaNodeMemFree(): Promise<Record<string, NumaNodeMemoryStats>> {
  const nodes = (await listDir(NODES)).filter((n) => /^node\d+$/.test(n));
  const out: Record<string, NumaNodeMemoryStats> = {};
  if (nodes.length === 0) {
    out['0'] = await nodeStats(undefined, parseMeminfo((await readText('/proc/meminfo')) ?? ''));
    return out;
  }
  for (const node of nodes.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) {
    const dir = `${NODES}/${node}`;
    out[node.slice(4)] = await nodeStats(dir, parseNodeMeminfo((await readText(`${dir}/meminfo`)) ?? ''));
  }
  return out;
}

const POOL_COUNTERS = [
  'free_hugepages',
  'nr_hugepages',
  'nr_hugepages_mempolicy',
  'nr_overcommit_hugepages',
  'resv_hugepages',
  'surplus_hugepages',
] as const;

export type HugepageState = Record<string, Record<string, number>>;

/**
 * Per page size (KiB): the kernel's pool counters, and `vm.free_hugepages`, the free pages guests may take
 * (upstream subtracts the pages vdsm reserves for itself; vdsm-ts reserves none).
 */
export async function hugepageState(): Promise<HugepageState> {
  const out: HugepageState = {};
  for (const pool of await listDir(HUGEPAGES)) {
    const size = pageSize(pool);
    if (size === undefined) continue;
    const counters: Record<string, number> = {};
    for (const key of POOL_COUNTERS) counters[key] = (await readInt(`${HUGEPAGES}/${pool}/${key}`)) ?? 0;
    counters['vm.free_hugepages'] = Math.max(counters.free_hugepages ?? 0, 0);
    out[String(size)] = counters;
  }
  return out;
}
