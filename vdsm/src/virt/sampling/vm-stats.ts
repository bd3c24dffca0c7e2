/**
 * One VM's sampled part of VM.getStats, built from the last two bulk-stats records (upstream `virt/vmstats.py`).
 * Field names, units and string/number encodings follow upstream: rates come from counter deltas over the interval
 * between the two bulk calls; counters go out cumulative as strings; network rates are left to the engine, which
 * derives them from `rx`/`tx` and `sampleTime`.
 */
import type { BlockItem, DomainStatsRecord, NetItem } from '@vdsm-ts/native/libvirt/index';
import type { DomainDevices } from './domain-devices.js';
import { fixed2, intStr, pyFloat } from './format.js';

export interface Sample {
  /** Monotonic seconds, taken once per bulk call just before it. */
  readonly at: number;
  readonly record: DomainStatsRecord;
}

export interface VmNetworkStats {
  macAddr?: string;
  name: string;
  speed: string;
  state: 'unknown';
  rx: string;
  tx: string;
  rxErrors: string;
  rxDropped: string;
  txErrors: string;
  txDropped: string;
  sampleTime: number;
}

export interface VmDiskStats {
  readRate: string;
  writeRate: string;
  readLatency: string;
  writeLatency: string;
  flushLatency: string;
  readOps: string;
  writeOps: string;
  readBytes: string;
  writtenBytes: string;
  apparentsize: string;
  truesize: string;
  imageID?: string;
}

export interface BalloonInfo {
  balloon_max: string;
  balloon_min: string;
  balloon_cur: string;
  balloon_target: string;
  ballooning_enabled: boolean;
}

export interface GuestMemoryStats {
  mem_total: string;
  mem_unused: string;
  mem_free: string;
  swap_in: number;
  swap_out: number;
  majflt: number;
  minflt: number;
  pageflt: number;
}

/** The sampled fields of RunningVmStats. */
export interface SampledVmStats {
  monitorResponse: '0' | '-1';
  elapsedTime?: string;
  cpuUser: string;
  cpuSys: string;
  cpuUsage?: string;
  cpuActual: boolean;
  vcpuCount?: string;
  vcpuQuota?: string;
  vcpuPeriod?: number;
  network: Record<string, VmNetworkStats>;
  disks: Record<string, VmDiskStats>;
  balloonInfo: BalloonInfo | Record<string, never>;
  memoryStats?: GuestMemoryStats;
  memUsage: string;
}

export interface BuildContext {
  readonly monitorResponse: '0' | '-1';
  /** Seconds the VM has run, when known. */
  readonly elapsedSeconds?: number;
  readonly devices?: DomainDevices;
}

/** NIC models upstream reports at 1 Gb/s; every other model at 100 Mb/s. */
const GIGABIT_MODELS: ReadonlySet<string> = new Set(['e1000', 'e1000e', 'virtio']);
const NS_PER_S = 1e9;

/** The earlier sample, when it belongs to the same run of the domain (a restarted domain resets its counters). */
function comparable(prev: Sample | undefined, cur: Sample): Sample | undefined {
  if (prev === undefined || prev.record.id !== cur.record.id || cur.at <= prev.at) return undefined;
  return prev;
}

function delta(cur: number | undefined, prev: number | undefined): number | undefined {
  if (cur === undefined || prev === undefined || cur < prev) return undefined;
  return cur - prev;
}

function cpuStats(out: SampledVmStats, prev: Sample | undefined, cur: Sample): void {
  const c = cur.record.cpu;
  if (c?.user !== undefined && c.system !== undefined) out.cpuUsage = intStr(c.user + c.system);
  const p = prev?.record.cpu;
  if (prev === undefined || c === undefined || p === undefined) return;
  const interval = cur.at - prev.at;
  const total = delta(c.time, p.time);
  const user = delta(c.user, p.user);
  const system = delta(c.system, p.system);
  if (total === undefined || user === undefined || system === undefined) return;
  // upstream: cpuSys is user+system time of the QEMU process, cpuUser what is left of the total (guest time)
  const sys = user + system;
  out.cpuSys = fixed2((100 * sys) / interval / NS_PER_S);
  out.cpuUser = fixed2(Math.max(0, (100 * (total - sys)) / interval / NS_PER_S));
  out.cpuActual = true;
}

function itemsByName<T extends { name?: string }>(items: readonly (T | undefined)[] | undefined): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items ?? []) if (item?.name !== undefined) out.set(item.name, item);
  return out;
}

function networkStats(cur: Sample, devices: DomainDevices | undefined): Record<string, VmNetworkStats> {
  const out: Record<string, VmNetworkStats> = {};
  for (const n of cur.record.net?.items ?? []) {
    if (n?.name === undefined) continue;
    const nic = devices?.nics.get(n.name);
    out[n.name] = {
      ...(nic === undefined ? {} : { macAddr: nic.mac }),
      name: n.name,
      speed: nic !== undefined && GIGABIT_MODELS.has(nic.model) ? '1000' : '100',
      state: 'unknown',
      rx: intStr(n.rxBytes),
      tx: intStr(n.txBytes),
      rxErrors: intStr(n.rxErrs),
      rxDropped: intStr(n.rxDrop),
      txErrors: intStr(n.txErrs),
      txDropped: intStr(n.txDrop),
      sampleTime: cur.at,
    };
  }
  return out;
}

function latency(times: number | undefined, reqs: number | undefined): string {
  return times === undefined || reqs === undefined || reqs === 0 ? '0' : intStr(times / reqs);
}

function diskStats(
  prev: Sample | undefined,
  cur: Sample,
  devices: DomainDevices | undefined,
): Record<string, VmDiskStats> {
  const out: Record<string, VmDiskStats> = {};
  const before = prev === undefined ? undefined : itemsByName<BlockItem>(prev.record.block?.items);
  const interval = prev === undefined ? 0 : cur.at - prev.at;
  for (const b of cur.record.block?.items ?? []) {
    if (b?.name === undefined) continue;
    const p: BlockItem | undefined = before?.get(b.name);
    const rate = (c: number | undefined, q: number | undefined) => {
      const d = p === undefined ? undefined : delta(c, q);
      return pyFloat(d === undefined || interval <= 0 ? 0 : d / interval);
    };
    const lat = (ct: number | undefined, pt: number | undefined, cr: number | undefined, pr: number | undefined) =>
      p === undefined ? '0' : latency(delta(ct, pt), delta(cr, pr));
    const imageID = devices?.disks.get(b.name)?.imageID;
    out[b.name] = {
      readRate: rate(b.rdBytes, p?.rdBytes),
      writeRate: rate(b.wrBytes, p?.wrBytes),
      readLatency: lat(b.rdTimes, p?.rdTimes, b.rdReqs, p?.rdReqs),
      writeLatency: lat(b.wrTimes, p?.wrTimes, b.wrReqs, p?.wrReqs),
      flushLatency: lat(b.flTimes, p?.flTimes, b.flReqs, p?.flReqs),
      readOps: intStr(b.rdReqs),
      writeOps: intStr(b.wrReqs),
      readBytes: intStr(b.rdBytes),
      writtenBytes: intStr(b.wrBytes),
      // upstream: apparentsize is the volume's size, truesize what it occupies on the host (libvirt's physical,
      // st_blocks for a file); allocation is QEMU's highest written offset, a fallback only
      apparentsize: intStr(b.capacity ?? b.physical),
      truesize: intStr(b.physical ?? b.allocation),
      ...(imageID === undefined ? {} : { imageID }),
    };
  }
  return out;
}

function balloonInfo(cur: Sample, devices: DomainDevices | undefined): BalloonInfo | Record<string, never> {
  const current = cur.record.balloon?.current;
  if (devices === undefined || !devices.balloon || current === undefined) return {};
  return {
    balloon_max: intStr(devices.memoryKiB),
    balloon_min: intStr(devices.minGuaranteedKiB),
    balloon_cur: intStr(current),
    balloon_target: intStr(devices.currentMemoryKiB),
    ballooning_enabled: devices.ballooningEnabled,
  };
}

/** The guest's balloon-driver statistics: sizes in KiB as strings, event counts as per-second integers. */
function memoryStats(prev: Sample | undefined, cur: Sample): GuestMemoryStats | undefined {
  const b = cur.record.balloon;
  if (b?.available === undefined || b.unused === undefined) return undefined;
  const p = prev?.record.balloon;
  const interval = prev === undefined ? 0 : cur.at - prev.at;
  const perSecond = (c: number | undefined, q: number | undefined) => {
    const d = delta(c, q);
    return d === undefined || interval <= 0 ? 0 : Math.trunc(d / interval);
  };
  const majflt = perSecond(b.majorFault, p?.majorFault);
  const minflt = perSecond(b.minorFault, p?.minorFault);
  return {
    mem_total: intStr(b.available),
    mem_unused: intStr(b.unused),
    mem_free: intStr(b.unused + (b.diskCaches ?? 0)),
    swap_in: perSecond(b.swapIn, p?.swapIn),
    swap_out: perSecond(b.swapOut, p?.swapOut),
    majflt,
    minflt,
    pageflt: majflt + minflt,
  };
}

/** Builds the sampled stats of one VM; `prev` is its sample from an earlier cycle, if any. */
export function buildVmStats(prev: Sample | undefined, cur: Sample, ctx: BuildContext): SampledVmStats {
  const earlier = comparable(prev, cur);
  const devices = ctx.devices;
  const out: SampledVmStats = {
    monitorResponse: ctx.monitorResponse,
    cpuUser: '0.00',
    cpuSys: '0.00',
    cpuActual: false,
    network: {},
    disks: {},
    balloonInfo: {},
    memUsage: '0',
  };
  if (ctx.elapsedSeconds !== undefined) out.elapsedTime = intStr(ctx.elapsedSeconds);
  cpuStats(out, earlier, cur);
  const vcpu = cur.record.vcpu?.current;
  if (vcpu !== undefined) out.vcpuCount = intStr(vcpu);
  if (devices?.vcpuQuota !== undefined) out.vcpuQuota = String(devices.vcpuQuota);
  if (devices?.vcpuPeriod !== undefined) out.vcpuPeriod = devices.vcpuPeriod;
  out.network = networkStats(cur, devices);
  out.disks = diskStats(earlier, cur, devices);
  out.balloonInfo = balloonInfo(cur, devices);
  const mem = memoryStats(earlier, cur);
  if (mem !== undefined) {
    out.memoryStats = mem;
    const size = devices?.memoryKiB ?? cur.record.balloon?.maximum ?? 0;
    if (size > 0) out.memUsage = intStr(Math.max(0, 100 - (Number(mem.mem_free) / size) * 100));
  }
  return out;
}

/** Names of a record's NICs and disks: when they change, the domain XML is read again. */
export function deviceSignature(record: DomainStatsRecord): string {
  let sig = '';
  for (const n of record.net?.items ?? ([] as (NetItem | undefined)[])) sig += `${n?.name ?? ''},`;
  sig += '|';
  for (const b of record.block?.items ?? []) sig += `${b?.name ?? ''},`;
  return sig;
}
