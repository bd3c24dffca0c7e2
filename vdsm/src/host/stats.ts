/**
 * Host.getStats: a periodic sampler reads /proc and /sys every `[vars] host_sample_stats_interval` seconds and
 * keeps the last two samples; a request only formats what the sampler holds (rates over the last window).
 * Values follow upstream's wire types: percentages as "%.2f" strings, counters as integer strings, MiB as ints.
 */
import type { NumaNodeMemoryStats } from '../schema/api-types.generated.js';
import { diskStats } from './disk-stats.js';
import { findKsmd, ksmdJiffies } from './ksmd.js';
import { type HugepageState, hugepageState, numaNodeMemFree } from './memory-stats.js';
import {
  type CpuTimes,
  cpuNodes,
  type InterfaceCounters,
  listDir,
  type ProcStat,
  parseMeminfo,
  parsePidStat,
  parseProcStat,
  readInt,
  readInterface,
  readText,
  selectedChoice,
} from './procfs.js';

export interface Sample {
  /** performance.now() milliseconds at the read. */
  readonly at: number;
  readonly stat: ProcStat;
  readonly self: { readonly utime: number; readonly stime: number };
  readonly meminfo: ReadonlyMap<string, number>;
  readonly loadavg: readonly number[];
  readonly interfaces: readonly InterfaceCounters[];
  readonly ksm: {
    readonly run: number;
    readonly pagesToScan: number;
    readonly sharing: number;
    readonly mergeAcrossNodes: number;
  };
  readonly thp: ThpState | undefined;
  /** utime + stime of the ksmd thread (undefined without KSM). */
  readonly ksmdJiffies: number | undefined;
  readonly numa: Record<string, NumaNodeMemoryStats>;
  readonly hugepages: HugepageState;
  readonly disks: Record<string, { free: string }>;
}

export type ThpState = 'always' | 'madvise' | 'never';
const THP_STATES: ReadonlySet<string> = new Set<ThpState>(['always', 'madvise', 'never']);

function thpState(text: string | undefined): ThpState | undefined {
  const choice = text === undefined ? undefined : selectedChoice(text);
  return choice !== undefined && THP_STATES.has(choice) ? (choice as ThpState) : undefined;
}

export interface InterfaceStats {
  readonly name: string;
  readonly rx: string;
  readonly tx: string;
  readonly rxErrors: string;
  readonly txErrors: string;
  readonly rxDropped: string;
  readonly txDropped: string;
  readonly speed: string;
  readonly state: 'up' | 'down' | 'unknown';
  readonly sampleTime: number;
}

export interface HostStats {
  readonly cpuUser: string;
  readonly cpuSys: string;
  readonly cpuIdle: string;
  readonly cpuUserVdsmd: string;
  readonly cpuSysVdsmd: string;
  readonly cpuLoad: string;
  readonly cpuStatistics: Record<string, { nodeIndex: number; cpuUser: string; cpuSys: string; cpuIdle: string }>;
  readonly memUsed: string;
  readonly memFree: number;
  readonly memShared: number;
  readonly swapTotal: number;
  readonly swapFree: number;
  readonly anonHugePages: string;
  readonly ksmState: boolean;
  readonly ksmPages: number;
  readonly ksmMergeAcrossNodes: boolean;
  /** % of one CPU the ksmd thread used over the window. */
  readonly ksmCpu: number;
  readonly numaNodeMemFree: Record<string, NumaNodeMemoryStats>;
  readonly hugepages: HugepageState;
  readonly diskStats: Record<string, { free: string }>;
  readonly thpState: ThpState;
  readonly network: Record<string, InterfaceStats>;
  readonly rxDropped: string;
  readonly txDropped: string;
  readonly elapsedTime: string;
  readonly bootTime: string;
  readonly dateTime: string;
  readonly vmCount: number;
  readonly vmActive: number;
  readonly vmMigrating: number;
  readonly incomingVmMigrations: number;
  readonly outgoingVmMigrations: number;
  readonly storageDomains: Record<string, never>;
}

/** Jiffies per second as the kernel exports them to user space (USER_HZ, 100 on every Linux port we run on). */
const USER_HZ = 100;
const PAGE_SIZE = 4096;

export async function takeSample(ksmd?: number): Promise<Sample> {
  const names = (await listDir('/sys/class/net')).sort();
  const [
    stat,
    self,
    meminfo,
    loadavg,
    interfaces,
    run,
    pagesToScan,
    sharing,
    merge,
    thp,
    ksmdTime,
    numa,
    hugepages,
    disks,
  ] = await Promise.all([
    readText('/proc/stat'),
    readText('/proc/self/stat'),
    readText('/proc/meminfo'),
    readText('/proc/loadavg'),
    Promise.all(names.map((n) => readInterface(n))),
    readInt('/sys/kernel/mm/ksm/run'),
    readInt('/sys/kernel/mm/ksm/pages_to_scan'),
    readInt('/sys/kernel/mm/ksm/pages_sharing'),
    readInt('/sys/kernel/mm/ksm/merge_across_nodes'),
    readText('/sys/kernel/mm/transparent_hugepage/enabled'),
    ksmdJiffies(ksmd),
    numaNodeMemFree(),
    hugepageState(),
    diskStats(),
  ]);
  return {
    at: performance.now(),
    stat: parseProcStat(stat ?? ''),
    self: parsePidStat(self ?? ''),
    meminfo: parseMeminfo(meminfo ?? ''),
    loadavg: (loadavg ?? '').trim().split(/\s+/).slice(0, 3).map(Number),
    interfaces,
    ksm: { run: run ?? 0, pagesToScan: pagesToScan ?? 0, sharing: sharing ?? 0, mergeAcrossNodes: merge ?? 1 },
    thp: thpState(thp),
    ksmdJiffies: ksmdTime,
    numa,
    hugepages,
    disks,
  };
}

const pct = (x: number) => Math.max(0, Math.min(100, x)).toFixed(2);

function cpuShares(prev: CpuTimes | undefined, cur: CpuTimes): { user: string; sys: string; idle: string } {
  const total = prev === undefined ? cur.total : cur.total - prev.total;
  if (total <= 0) return { user: '0.00', sys: '0.00', idle: '100.00' };
  const user = (100 * (cur.user + cur.nice - (prev === undefined ? 0 : prev.user + prev.nice))) / total;
  const sys = (100 * (cur.system - (prev?.system ?? 0))) / total;
  return { user: pct(user), sys: pct(sys), idle: pct(100 - user - sys) };
}

function gmt(date: Date): string {
  return `${date.toISOString().slice(0, 19)} GMT`;
}

const mib = (kib: number | undefined) => Math.floor((kib ?? 0) / 1024);

function ksmCpu(prev: Sample | undefined, cur: Sample, seconds: number): number {
  if (prev?.ksmdJiffies === undefined || cur.ksmdJiffies === undefined || seconds <= 0) return 0;
  return Math.max(0, Math.round((100 * (cur.ksmdJiffies - prev.ksmdJiffies)) / USER_HZ / seconds));
}

/** Formats the window between two samples (or since boot when only one exists). */
export function computeStats(
  prev: Sample | undefined,
  cur: Sample,
  nodes: ReadonlyMap<number, number>,
  startedAt: number,
): HostStats {
  const all = cpuShares(prev?.stat.all, cur.stat.all);
  const cpuStatistics: HostStats['cpuStatistics'] = {};
  for (const [cpu, times] of cur.stat.perCpu) {
    const s = cpuShares(prev?.stat.perCpu.get(cpu), times);
    cpuStatistics[String(cpu)] = { nodeIndex: nodes.get(cpu) ?? 0, cpuUser: s.user, cpuSys: s.sys, cpuIdle: s.idle };
  }
  const seconds = prev === undefined ? 0 : (cur.at - prev.at) / 1000;
  // % of one cpu used by this process over the window
  const selfPct = (field: 'utime' | 'stime') =>
    seconds > 0 ? pct((100 * (cur.self[field] - (prev?.self[field] ?? 0))) / USER_HZ / seconds) : '0.00';
  const m = cur.meminfo;
  const memTotal = m.get('MemTotal') ?? 0;
  const free =
    (m.get('MemFree') ?? 0) + (m.get('Cached') ?? 0) + (m.get('Buffers') ?? 0) + (m.get('SReclaimable') ?? 0);
  const network: Record<string, InterfaceStats> = {};
  let rxDropped = 0;
  let txDropped = 0;
  for (const i of cur.interfaces) {
    rxDropped += i.rxDropped;
    txDropped += i.txDropped;
    network[i.name] = {
      name: i.name,
      rx: String(i.rx),
      tx: String(i.tx),
      rxErrors: String(i.rxErrors),
      txErrors: String(i.txErrors),
      rxDropped: String(i.rxDropped),
      txDropped: String(i.txDropped),
      speed: String(i.speed ?? 1000),
      state: i.operstate === 'up' ? 'up' : i.operstate === 'down' ? 'down' : 'unknown',
      sampleTime: i.sampleTime,
    };
  }
  return {
    cpuUser: all.user,
    cpuSys: all.sys,
    cpuIdle: all.idle,
    cpuUserVdsmd: selfPct('utime'),
    cpuSysVdsmd: selfPct('stime'),
    cpuLoad: (cur.loadavg[1] ?? 0).toFixed(2),
    cpuStatistics,
    memUsed: String(memTotal > 0 ? 100 - Math.floor((100 * free) / memTotal) : 0),
    memFree: mib(free),
    memShared: Math.floor((cur.ksm.sharing * PAGE_SIZE) / 2 ** 20),
    swapTotal: mib(m.get('SwapTotal')),
    swapFree: mib(m.get('SwapFree')),
    anonHugePages: String(mib(m.get('AnonHugePages'))),
    ksmState: cur.ksm.run === 1,
    ksmPages: cur.ksm.pagesToScan,
    ksmMergeAcrossNodes: cur.ksm.mergeAcrossNodes === 1,
    ksmCpu: ksmCpu(prev, cur, seconds),
    numaNodeMemFree: cur.numa,
    hugepages: cur.hugepages,
    diskStats: cur.disks,
    // The schema requires it; a kernel without THP never backs memory with huge pages.
    thpState: cur.thp ?? 'never',
    network,
    rxDropped: String(rxDropped),
    txDropped: String(txDropped),
    elapsedTime: String(Math.floor((cur.at - startedAt) / 1000)),
    bootTime: String(cur.stat.btime),
    dateTime: gmt(new Date()),
    vmCount: 0,
    vmActive: 0,
    vmMigrating: 0,
    incomingVmMigrations: 0,
    outgoingVmMigrations: 0,
    storageDomains: {},
  };
}

export interface HostStatsSamplerOptions {
  /** Seconds between samples. */
  readonly intervalSeconds: number;
  readonly onError?: (error: unknown) => void;
}

/** Samples on a timer and keeps the last two samples; `stats()` formats them without touching the disk. */
export class HostStatsSampler {
  private prev: Sample | undefined;
  private cur: Sample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nodes: ReadonlyMap<number, number> = new Map();
  private ksmd: number | undefined;
  private readonly startedAt = performance.now();
  private first: Promise<void> | undefined;
  private samples = 0;

  constructor(private readonly options: HostStatsSamplerOptions) {}

  /** Takes the first sample and starts the timer; resolves once a sample exists. */
  start(): Promise<void> {
    if (this.first === undefined) {
      this.first = (async () => {
        [this.nodes, this.ksmd] = await Promise.all([cpuNodes(), findKsmd()]);
        await this.tick();
        this.timer = setInterval(() => void this.tick(), this.options.intervalSeconds * 1000);
        this.timer.unref();
      })();
    }
    return this.first;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Number of samples taken so far. */
  get sampleCount(): number {
    return this.samples;
  }

  /** Takes one sample now (the timer calls this; tests may too). */
  async tick(): Promise<void> {
    try {
      const sample = await takeSample(this.ksmd);
      this.prev = this.cur;
      this.cur = sample;
      this.samples++;
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  async stats(): Promise<HostStats> {
    await this.start();
    if (this.cur === undefined) await this.tick();
    return computeStats(this.prev, this.cur!, this.nodes, this.startedAt);
  }
}
