/**
 * What the oVirt guest agent told us about the guest, kept in upstream VM.getStats shape (`guestagent.py`
 * `_handleMessage` / `getGuestInfo`). Each guest message has one handler that validates its arguments and
 * updates the fields it owns; a message with arguments of the wrong shape changes nothing.
 */
import type { ProtocolErrorCode } from '@vdsm-ts/guest-agent/protocol/errors';
import type { DiskMapping } from '@vdsm-ts/guest-agent/protocol/messages';

export type GuestSession = 'Unknown' | 'UserLoggedOn' | 'Locked' | 'Active' | 'LoggedOff';

export interface GuestNetIface {
  name: string;
  hw: string;
  inet: string[];
  inet6: string[];
}

/** VDSM's GuestMountInfo: sizes in bytes, as strings. */
export interface GuestDiskUsage {
  path: string;
  fs: string;
  total: string;
  used: string;
}

export interface GuestTimezone {
  zone: string;
  /** minutes east of UTC */
  offset: number;
}

/** Guest memory figures from the heartbeat, KiB (or per-second rates) as strings. */
export type GuestMemoryStats = Partial<Record<(typeof MEMORY_STAT_KEYS)[number] | 'mem_free', string>>;

const MEMORY_STAT_KEYS = [
  'mem_total',
  'mem_unused',
  'mem_buffers',
  'mem_cached',
  'swap_in',
  'swap_out',
  'pageflt',
  'majflt',
] as const;

const OS_INFO_KEYS = ['version', 'distribution', 'codename', 'arch', 'type', 'kernel'] as const;

export type ApplyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: Extract<ProtocolErrorCode, 'GA_ERR_UNKNOWN_NAME' | 'GA_ERR_BAD_ARGS'>;
      readonly detail: string;
    };

type Args = Readonly<Record<string, unknown>>;
type Handler = (info: GuestInfo, args: Args) => string | undefined;

const OK: ApplyResult = { ok: true };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** An integer, or a string holding one: what Python's int() accepts from the agent. */
function toInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*[-+]?\d{1,18}\s*$/.test(value)) {
    const n = Number.parseInt(value, 10);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function parseNetIfaces(value: unknown): GuestNetIface[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: GuestNetIface[] = [];
  for (const iface of value) {
    if (!isObject(iface) || typeof iface.name !== 'string') return undefined;
    const inet = iface.inet ?? [];
    const inet6 = iface.inet6 ?? [];
    if (!isStringArray(inet) || !isStringArray(inet6)) return undefined;
    out.push({ name: iface.name, hw: typeof iface.hw === 'string' ? iface.hw : '', inet, inet6 });
  }
  return out;
}

function parseDisks(value: unknown): GuestDiskUsage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: GuestDiskUsage[] = [];
  for (const disk of value) {
    if (!isObject(disk) || typeof disk.path !== 'string') return undefined;
    const total = toInt(disk.total);
    const used = toInt(disk.used);
    if (total === undefined || used === undefined) return undefined;
    out.push({
      path: disk.path,
      fs: typeof disk.fs === 'string' ? disk.fs : '',
      total: String(total),
      used: String(used),
    });
  }
  return out;
}

function parseMapping(value: unknown): DiskMapping | undefined {
  if (value === undefined) return {};
  if (!isObject(value)) return undefined;
  const out: DiskMapping = {};
  for (const [serial, entry] of Object.entries(value)) {
    if (!isObject(entry) || typeof entry.name !== 'string') return undefined;
    out[serial] = { name: entry.name };
  }
  return out;
}

function session(state: GuestSession): Handler {
  return (info) => {
    info.session = state;
    return undefined;
  };
}

const ignored: Handler = () => undefined;

/** One handler per guest message VDSM understands; a returned string says what was wrong with the arguments. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  heartbeat: (info, args) => {
    const free = toInt(args['free-ram']);
    if (free === undefined) return 'heartbeat: free-ram is not an integer';
    const stat = args['memory-stat'];
    if (stat !== undefined && !isObject(stat)) return 'heartbeat: memory-stat is not an object';
    info.freeRamMiB = free;
    if (stat !== undefined) {
      const stats: GuestMemoryStats = {};
      for (const key of MEMORY_STAT_KEYS) {
        const v = toInt(stat[key]);
        if (v !== undefined) stats[key] = String(v);
      }
      // VDSM reports MemFree as mem_free (the agent's mem_free also counts buffers and cache).
      if (stats.mem_unused !== undefined) stats.mem_free = stats.mem_unused;
      info.memoryStats = stats;
    }
    return undefined;
  },
  'host-name': (info, args) => {
    if (typeof args.name !== 'string') return 'host-name: name is not a string';
    info.guestName = args.name;
    return undefined;
  },
  'os-version': (info, args) => {
    if (typeof args.version !== 'string') return 'os-version: version is not a string';
    info.guestOs = args.version;
    return undefined;
  },
  'network-interfaces': (info, args) => {
    const ifaces = parseNetIfaces(args.interfaces);
    if (ifaces === undefined) return 'network-interfaces: interfaces is not a list of {name, hw, inet, inet6}';
    info.netIfaces = ifaces;
    info.guestIPs = ifaces
      .flatMap((iface) => iface.inet)
      .join(' ')
      .trim();
    return undefined;
  },
  fqdn: (info, args) => {
    if (typeof args.fqdn !== 'string') return 'fqdn: fqdn is not a string';
    info.guestFQDN = args.fqdn;
    return undefined;
  },
  applications: (info, args) => {
    if (!isStringArray(args.applications)) return 'applications: applications is not a list of strings';
    info.appsList = args.applications;
    return undefined;
  },
  'active-user': (info, args) => {
    if (typeof args.name !== 'string') return 'active-user: name is not a string';
    const user = args.name;
    if (user !== info.username && !(user === 'Unknown' && info.username === 'None')) {
      info.username = user;
      info.lastLogin = Date.now() / 1000;
    }
    return undefined;
  },
  'disks-usage': (info, args) => {
    const disks = parseDisks(args.disks);
    if (disks === undefined) return 'disks-usage: disks is not a list of {path, fs, total, used}';
    const mapping = parseMapping(args.mapping);
    if (mapping === undefined) return 'disks-usage: mapping is not {serial: {name}}';
    info.disksUsage = disks;
    info.diskMapping = mapping;
    return undefined;
  },
  'number-of-cpus': (info, args) => {
    const count = toInt(args.count);
    if (count === undefined) return 'number-of-cpus: count is not an integer';
    info.guestCPUCount = count;
    return undefined;
  },
  'os-info': (info, args) => {
    const os: Record<string, string> = {};
    for (const key of OS_INFO_KEYS) {
      const v = args[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') return `os-info: ${key} is not a string`;
      os[key] = v;
    }
    info.guestOsInfo = os;
    return undefined;
  },
  timezone: (info, args) => {
    const offset = toInt(args.offset);
    if (typeof args.zone !== 'string' || offset === undefined)
      return 'timezone: needs a string zone and integer offset';
    info.guestTimezone = { zone: args.zone, offset };
    return undefined;
  },
  containers: (info, args) => {
    if (!Array.isArray(args.list) || !args.list.every(isObject)) return 'containers: list is not a list of objects';
    info.guestContainers = args.list;
    return undefined;
  },
  uninstalled: (info) => {
    info.appsList = [];
    return undefined;
  },
  'session-logon': session('UserLoggedOn'),
  'session-lock': session('Locked'),
  'session-unlock': session('Active'),
  'session-logoff': session('LoggedOff'),
  'session-startup': ignored,
  'session-shutdown': ignored,
  // Replies to our own commands; the channel settles whoever waits for them.
  echo: ignored,
  completion: ignored,
};

/** Upstream's defaults (`guestagent.py`): what getStats shows before the agent said anything. */
export class GuestInfo {
  username = 'Unknown';
  lastLogin: number | undefined;
  lastUser: string | undefined;
  lastLogout: number | undefined;
  session: GuestSession = 'Unknown';
  guestCPUCount = -1;
  appsList: readonly string[] = [];
  guestIPs = '';
  guestFQDN = '';
  netIfaces: readonly GuestNetIface[] | undefined;
  guestName: string | undefined;
  guestOs: string | undefined;
  guestOsInfo: Readonly<Record<string, string>> | undefined;
  guestTimezone: GuestTimezone | undefined;
  guestContainers: readonly Record<string, unknown>[] | undefined;
  disksUsage: readonly GuestDiskUsage[] | undefined;
  diskMapping: DiskMapping = {};
  memoryStats: GuestMemoryStats | undefined;
  /** the heartbeat's `free-ram`, MiB */
  freeRamMiB: number | undefined;

  /** The guest rebooted: whoever was logged in is gone (upstream keeps them as lastUser). */
  guestRebooted(): void {
    if (this.username !== 'Unknown' && this.username !== 'None') {
      this.lastUser = this.username;
      this.lastLogout = Date.now() / 1000;
    }
    this.username = 'Unknown';
    this.session = 'Unknown';
  }

  /** Applies one decoded message. Unknown names and bad arguments change nothing. */
  apply(name: string, args: Args): ApplyResult {
    if (!Object.hasOwn(HANDLERS, name)) return { ok: false, code: 'GA_ERR_UNKNOWN_NAME', detail: name };
    const problem = (HANDLERS[name] as Handler)(this, args);
    return problem === undefined ? OK : { ok: false, code: 'GA_ERR_BAD_ARGS', detail: problem };
  }

  /**
   * getStats' guest part. While the agent is not responsive only the cached facts that stay true without it
   * (applications, addresses, names, user) are reported, with the live ones at their defaults.
   */
  stats(o: { responsive: boolean; memUsage: string | undefined }): Record<string, unknown> {
    const out: Record<string, unknown> = {
      username: this.username,
      appsList: [...this.appsList],
      guestIPs: this.guestIPs,
      guestFQDN: this.guestFQDN,
    };
    if (this.netIfaces !== undefined) out.netIfaces = this.netIfaces.map((iface) => ({ ...iface }));
    if (o.memUsage !== undefined) out.memUsage = o.memUsage;
    if (!o.responsive) {
      out.session = 'Unknown';
      out.guestCPUCount = -1;
      return out;
    }
    out.session = this.session;
    out.guestCPUCount = this.guestCPUCount;
    if (this.lastLogin !== undefined) out.lastLogin = this.lastLogin;
    if (this.lastUser !== undefined) out.lastUser = this.lastUser;
    if (this.lastLogout !== undefined) out.lastLogout = this.lastLogout;
    if (this.guestName !== undefined) out.guestName = this.guestName;
    if (this.guestOs !== undefined) out.guestOs = this.guestOs;
    if (this.guestOsInfo !== undefined) out.guestOsInfo = { ...this.guestOsInfo };
    if (this.guestTimezone !== undefined) out.guestTimezone = { ...this.guestTimezone };
    if (this.guestContainers !== undefined) out.guestContainers = structuredClone(this.guestContainers);
    if (this.disksUsage !== undefined) out.disksUsage = this.disksUsage.map((d) => ({ ...d }));
    if (this.memoryStats !== undefined) out.memoryStats = { ...this.memoryStats };
    return out;
  }
}
