/**
 * Guest → host messages of the oVirt guest agent protocol: one flat JSON object per line whose `__name__`
 * key names the message; every other key is an argument. Field names and types are the upstream ones.
 */
import type { MESSAGE_MIN_API_VERSION } from './version.js';

export type GuestMessageName = keyof typeof MESSAGE_MIN_API_VERSION;

/** `heartbeat.memory-stat`: integers; memory in KiB, swap/page-fault figures are rates per second. */
export interface MemoryStat {
  mem_total: number;
  /** MemFree + Buffers + Cached */
  mem_free: number;
  /** MemFree */
  mem_unused: number;
  mem_buffers: number;
  mem_cached: number;
  swap_in: number;
  swap_out: number;
  pageflt: number;
  majflt: number;
  swap_usage: number;
  swap_total: number;
}

export interface NetworkInterface {
  name: string;
  /** MAC address */
  hw: string;
  inet: string[];
  inet6: string[];
}

export interface DiskUsage {
  path: string;
  fs: string;
  /** bytes */
  total: number;
  /** bytes */
  used: number;
}

/** serial → device node, e.g. `{"0123456789abcdef0123": {"name": "/dev/vda"}}` */
export type DiskMapping = Record<string, { name: string }>;

export interface Container {
  id: string;
  names: string[];
  image: string;
  command: string;
  status: string;
}

export type OsType = 'linux' | 'windows';

/** Arguments of each guest → host message, by name. */
export interface GuestMessageArgs {
  heartbeat: {
    /** free memory in MiB, as a decimal string */
    'free-ram': string;
    'memory-stat': MemoryStat;
    apiVersion: number;
  };
  'host-name': { name: string };
  'os-version': { version: string };
  'network-interfaces': { interfaces: NetworkInterface[] };
  fqdn: { fqdn: string };
  /** `name-version-release` (rpm) or `name-version` (deb) */
  applications: { applications: string[] };
  /** literal `"None"` when nobody is logged in */
  'active-user': { name: string };
  'disks-usage': { disks: DiskUsage[]; mapping: DiskMapping };
  'session-startup': Record<string, never>;
  'session-shutdown': Record<string, never>;
  'session-logon': Record<string, never>;
  'session-logoff': Record<string, never>;
  'session-lock': Record<string, never>;
  'session-unlock': Record<string, never>;
  echo: Record<string, unknown>;
  'memory-stats': { memory: MemoryStat };
  uninstalled: Record<string, never>;
  /** -1 when unknown */
  'number-of-cpus': { count: number };
  'os-info': {
    version: string;
    distribution: string;
    codename: string;
    /** i?86 is reported as `x86` */
    arch: string;
    type: OsType;
    kernel: string;
  };
  /** `offset`: minutes east of UTC, standard time */
  timezone: { zone: string; offset: number };
  containers: { list: Container[] };
  completion: { reply_id: string; done: true };
}

/** A guest → host message as it travels: the name plus its arguments in one object. */
export type GuestMessage = {
  [N in GuestMessageName]: { __name__: N } & GuestMessageArgs[N];
}[GuestMessageName];
