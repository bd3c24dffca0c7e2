/**
 * One VM's sampled part of VM.getStats, built from the last two bulk-stats records (upstream `virt/vmstats.py`).
 * Field names, units and string/number encodings follow upstream: rates come from counter deltas over the interval
 * between the two bulk calls; counters go out cumulative as strings; network rates are left to the engine, which
 * derives them from `rx`/`tx` and `sampleTime`.
 */
import type { BlockItem, DomainStatsRecord, NetItem } from '@vdsm-ts/native/libvirt/index';
import type { DomainDevices, NicInfo } from './domain-devices.js';
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

interface CpuPart {
  user: string;
  sys: string;
  actual: boolean;
  usage: string | undefined;
}

function cpuStats(prev: Sample | undefined, cur: Sample): CpuPart {
  const c = cur.record.cpu;
  const usage = c?.user !== undefined && c.system !== undefined ? intStr(c.user + c.system) : undefined;
  const p = prev?.record.cpu;
  const none: CpuPart = { user: '0.00', sys: '0.00', actual: false, usage };
  if (prev === undefined || c === undefined || p === undefined) return none;
  const interval = cur.at - prev.at;
  const total = delta(c.time, p.time);
  const user = delta(c.user, p.user);
  const system = delta(c.system, p.system);
  if (total === undefined || user === undefined || system === undefined) return none;
  // upstream: cpuSys is user+system time of the QEMU process, cpuUser what is left of the total (guest time)
  const sys = user + system;
  return {
    user: fixed2(Math.max(0, (100 * (total - sys)) / interval / NS_PER_S)),
    sys: fixed2((100 * sys) / interval / NS_PER_S),
    actual: true,
    usage,
  };
}

function nicStats(n: NetItem & { name: string }, nic: NicInfo | undefined, at: number): VmNetworkStats {
  const speed = nic !== undefined && GIGABIT_MODELS.has(nic.model) ? '1000' : '100';
  // two literal shapes only (with and without macAddr): this runs for every NIC of every VM each cycle
  if (nic === undefined) {
    return {
      name: n.name,
      speed,
      state: 'unknown',
      rx: intStr(n.rxBytes),
      tx: intStr(n.txBytes),
      rxErrors: intStr(n.rxErrs),
      rxDropped: intStr(n.rxDrop),
      txErrors: intStr(n.txErrs),
      txDropped: intStr(n.txDrop),
      sampleTime: at,
    };
  }
  return {
    macAddr: nic.mac,
    name: n.name,
    speed,
    state: 'unknown',
    rx: intStr(n.rxBytes),
    tx: intStr(n.txBytes),
    rxErrors: intStr(n.rxErrs),
    rxDropped: intStr(n.rxDrop),
    txErrors: intStr(n.txErrs),
    txDropped: intStr(n.txDrop),
    sampleTime: at,
  };
}

function networkStats(cur: Sample, devices: DomainDevices | undefined): Record<string, VmNetworkStats> {
  const out: Record<string, VmNetworkStats> = {};
  const items = cur.record.net?.items;
  if (items === undefined) return out;
  for (const n of items) {
    if (n?.name === undefined) continue;
    out[n.name] = nicStats(n as NetItem & { name: string }, devices?.nics.get(n.name), cur.at);
  }
  return out;
}

function latency(times: number | undefined, reqs: number | undefined): string {
  return times === undefined || reqs === undefined || reqs === 0 ? '0' : intStr(times / reqs);
}

/** Bytes per second as Python's float repr; "0.0" without an earlier counter. */
function rate(cur: number | undefined, prev: number | undefined, interval: number): string {
  const d = delta(cur, prev);
  return pyFloat(d === undefined || interval <= 0 ? 0 : d / interval);
}

function opLatency(c: BlockItem, p: BlockItem | undefined, kind: 'rd' | 'wr' | 'fl'): string {
  if (p === undefined) return '0';
  if (kind === 'rd') return latency(delta(c.rdTimes, p.rdTimes), delta(c.rdReqs, p.rdReqs));
  if (kind === 'wr') return latency(delta(c.wrTimes, p.wrTimes), delta(c.wrReqs, p.wrReqs));
  return latency(delta(c.flTimes, p.flTimes), delta(c.flReqs, p.flReqs));
}

/** The earlier sample's entry for the same disk: usually at the same index, else searched by name. */
function previousItem(items: readonly (BlockItem | undefined)[] | undefined, index: number, name: string) {
  if (items === undefined) return undefined;
  const same = items[index];
  if (same?.name === name) return same;
  for (const item of items) if (item?.name === name) return item;
  return undefined;
}

function diskStats(
  prev: Sample | undefined,
  cur: Sample,
  devices: DomainDevices | undefined,
): Record<string, VmDiskStats> {
  const out: Record<string, VmDiskStats> = {};
  const items = cur.record.block?.items;
  if (items === undefined) return out;
  const before = prev?.record.block?.items;
  const interval = prev === undefined ? 0 : cur.at - prev.at;
  for (let i = 0; i < items.length; i++) {
    const b = items[i];
    if (b?.name === undefined) continue;
    const p = previousItem(before, i, b.name);
    const stats: VmDiskStats = {
      readRate: p === undefined ? '0.0' : rate(b.rdBytes, p.rdBytes, interval),
      writeRate: p === undefined ? '0.0' : rate(b.wrBytes, p.wrBytes, interval),
      readLatency: opLatency(b, p, 'rd'),
      writeLatency: opLatency(b, p, 'wr'),
      flushLatency: opLatency(b, p, 'fl'),
      readOps: intStr(b.rdReqs),
      writeOps: intStr(b.wrReqs),
      readBytes: intStr(b.rdBytes),
      writtenBytes: intStr(b.wrBytes),
      // upstream: apparentsize is the volume's size, truesize what it occupies on the host (libvirt's physical,
      // st_blocks for a file); allocation is QEMU's highest written offset, a fallback only
      apparentsize: intStr(b.capacity ?? b.physical),
      truesize: intStr(b.physical ?? b.allocation),
    };
    const imageID = devices?.disks.get(b.name)?.imageID;
    if (imageID !== undefined) stats.imageID = imageID;
    out[b.name] = stats;
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
  const cpu = cpuStats(earlier, cur);
  const mem = memoryStats(earlier, cur);
  const size = devices?.memoryKiB ?? cur.record.balloon?.maximum ?? 0;
  // one literal with the fields every VM has, in a fixed order (one object shape for all VMs), then the optional ones
  const out: SampledVmStats = {
    monitorResponse: ctx.monitorResponse,
    cpuUser: cpu.user,
    cpuSys: cpu.sys,
    cpuActual: cpu.actual,
    network: networkStats(cur, devices),
    disks: diskStats(earlier, cur, devices),
    balloonInfo: balloonInfo(cur, devices),
    memUsage: mem !== undefined && size > 0 ? intStr(Math.max(0, 100 - (Number(mem.mem_free) / size) * 100)) : '0',
  };
  if (cpu.usage !== undefined) out.cpuUsage = cpu.usage;
  if (ctx.elapsedSeconds !== undefined) out.elapsedTime = intStr(ctx.elapsedSeconds);
  const vcpu = cur.record.vcpu?.current;
  if (vcpu !== undefined) out.vcpuCount = intStr(vcpu);
  if (devices?.vcpuQuota !== undefined) out.vcpuQuota = String(devices.vcpuQuota);
  if (devices?.vcpuPeriod !== undefined) out.vcpuPeriod = devices.vcpuPeriod;
  if (mem !== undefined) out.memoryStats = mem;
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
