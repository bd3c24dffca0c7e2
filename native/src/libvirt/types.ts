/** Typed records returned by the binding. Numbers are exact up to 2^53 (counters beyond that lose precision). */

export interface NodeInfo {
  model: string;
  /** KiB */
  memory: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

/** Node CPU stats: libvirt's fields (kernel, user, idle, iowait, ...) in nanoseconds. */
export type NodeCpuStats = Record<string, number>;
/** Node memory stats: libvirt's fields (total, free, buffers, cached) in KiB. */
export type NodeMemoryStats = Record<string, number>;

export interface DomainStateInfo {
  state: number;
  reason: number;
}

export interface DomainInfo {
  state: number;
  maxMem: number;
  memory: number;
  nrVirtCpu: number;
  cpuTime: number;
}

export interface InterfaceStats {
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
}

/** virDomainBlockStatsFlags fields under libvirt's names. */
export interface BlockStats {
  rd_operations?: number;
  rd_bytes?: number;
  rd_total_times?: number;
  wr_operations?: number;
  wr_bytes?: number;
  wr_total_times?: number;
  flush_operations?: number;
  flush_total_times?: number;
  errs?: number;
  [field: string]: number | string | boolean | undefined;
}

export interface MemoryStats {
  swapIn?: number;
  swapOut?: number;
  majorFault?: number;
  minorFault?: number;
  unused?: number;
  available?: number;
  actualBalloon?: number;
  rss?: number;
  usable?: number;
  lastUpdate?: number;
  diskCaches?: number;
  hugetlbPgalloc?: number;
  hugetlbPgfail?: number;
}

export interface BlockInfo {
  capacity: number;
  allocation: number;
  physical: number;
}

export interface JobInfo {
  type: number;
  timeElapsed: number;
  timeRemaining: number;
  dataTotal: number;
  dataProcessed: number;
  dataRemaining: number;
  memTotal: number;
  memProcessed: number;
  memRemaining: number;
  fileTotal: number;
  fileProcessed: number;
  fileRemaining: number;
}

export type TypedParamValue = number | string | boolean;
export type TypedParams = Record<string, TypedParamValue>;

/**
 * virDomainGet/SetBlockIoTune fields by libvirt's names: total|read|write _bytes_sec / _iops_sec, their `_max` and
 * `_max_length` variants, size_iops_sec (numbers) and group_name (string). 0 means "no limit".
 */
export type BlockIoTune = Readonly<Record<string, number | string>>;

/** virDomainGetJobStats: the job type plus libvirt's fields (time_elapsed, memory_total, ...). */
export interface JobStats {
  type: number;
  params: TypedParams;
}

export interface BlockJobInfo {
  type: number;
  bandwidth: number;
  cur: number;
  end: number;
}

export interface NetworkInfo {
  name: string;
  uuid: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface SecretInfo {
  uuid: string;
  usageType: number;
  usageID: string;
}

// ---- Bulk stats (virConnectGetAllDomainStats) ------------------------------------------------------------
// libvirt's dotted field names become nested records: "block.0.rd.reqs" -> block.items[0].rdReqs.
// Indexed entries sit in `items` under their libvirt index (vCPU number, iothread ID, ...).

export interface VcpuItem {
  state?: number;
  time?: number;
  wait?: number;
  delay?: number;
  halted?: boolean;
}

export interface NetItem {
  name?: string;
  rxBytes?: number;
  rxPkts?: number;
  rxErrs?: number;
  rxDrop?: number;
  txBytes?: number;
  txPkts?: number;
  txErrs?: number;
  txDrop?: number;
}

export interface BlockItem {
  name?: string;
  backingIndex?: number;
  path?: string;
  rdReqs?: number;
  rdBytes?: number;
  rdTimes?: number;
  wrReqs?: number;
  wrBytes?: number;
  wrTimes?: number;
  flReqs?: number;
  flTimes?: number;
  errors?: number;
  allocation?: number;
  capacity?: number;
  physical?: number;
  threshold?: number;
}

type Extra = Record<string, TypedParamValue | undefined>;

export interface DomainStatsRecord {
  name: string;
  uuid: string;
  /** -1 when the domain is not running. */
  id: number;
  state?: { state?: number; reason?: number };
  cpu?: { time?: number; user?: number; system?: number; haltpoll?: Extra } & Extra;
  balloon?: {
    current?: number;
    maximum?: number;
    swapIn?: number;
    swapOut?: number;
    majorFault?: number;
    minorFault?: number;
    unused?: number;
    available?: number;
    rss?: number;
    usable?: number;
    lastUpdate?: number;
    diskCaches?: number;
  } & Extra;
  vcpu?: { current?: number; maximum?: number; items?: (VcpuItem | undefined)[] } & Extra;
  net?: { count?: number; items?: (NetItem | undefined)[] };
  block?: { count?: number; items?: (BlockItem | undefined)[] };
  perf?: Extra;
  iothread?: { count?: number; items?: (Extra | undefined)[] };
  memory?: Extra;
  dirtyrate?: Extra;
  vm?: Extra;
}
