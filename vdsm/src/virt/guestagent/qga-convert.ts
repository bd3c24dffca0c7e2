/**
 * qemu-guest-agent answers (through libvirt) turned into VM.getStats guest fields, as upstream's
 * `qemuguestagent.py` / `guestagenthelpers.py` do. Pure functions: libvirt typed parameters or the agent's raw JSON
 * in, upstream field names and encodings out. Anything malformed is skipped, never thrown.
 */
import type { DiskMapping } from '@vdsm-ts/guest-agent/protocol/messages';
import type { TypedParams } from '@vdsm-ts/native/libvirt/index';
import type { GuestDiskUsage, GuestNetIface, GuestTimezone } from './guest-info.js';

export interface QgaCaps {
  readonly version: string;
  /** enabled commands */
  readonly commands: ReadonlySet<string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(p: TypedParams, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' ? v : undefined;
}

function num(p: TypedParams, key: string): number | undefined {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function count(p: TypedParams, key: string): number {
  return Math.min(Math.max(Math.trunc(num(p, key) ?? 0), 0), 4096);
}

/** The `return` member of a raw agent reply, or undefined. */
export function agentReturn(reply: string): unknown {
  try {
    const parsed: unknown = JSON.parse(reply);
    return isObject(parsed) ? parsed.return : undefined;
  } catch {
    return undefined;
  }
}

/** `guest-info`: the agent version and the names of its enabled commands. */
export function parseCaps(reply: string): QgaCaps | undefined {
  const ret = agentReturn(reply);
  if (!isObject(ret) || typeof ret.version !== 'string' || !Array.isArray(ret.supported_commands)) return undefined;
  const commands = new Set<string>();
  for (const c of ret.supported_commands) {
    if (isObject(c) && typeof c.name === 'string' && c.enabled === true) commands.add(c.name);
  }
  return { version: ret.version, commands };
}

/** `user.N.name[@user.N.domain]`, joined by ", ". */
export function usersToUsername(p: TypedParams): string {
  const names: string[] = [];
  for (let i = 0; i < count(p, 'user.count'); i++) {
    const name = str(p, `user.${i}.name`);
    if (name === undefined) continue;
    const domain = str(p, `user.${i}.domain`);
    names.push(domain ? `${name}@${domain}` : name);
  }
  return names.join(', ');
}

const KEPT_ARCHES = new Set(['x86', 'x86_64', 'ppc', 'ppcle', 'ppc64', 'ppc64le']);

export function normalizeArch(machine: string | undefined): string {
  if (machine === undefined) return 'unknown';
  if (/^i[3-6]86$/.test(machine)) return 'x86';
  return KEPT_ARCHES.has(machine) ? machine : 'unknown';
}

export interface QgaOs {
  readonly guestOs: string;
  readonly guestOsInfo: Readonly<Record<string, string>>;
  /** for the fake appsList entry `kernel-<release>`; undefined on Windows */
  readonly kernelRelease: string | undefined;
}

export function osInfo(p: TypedParams): QgaOs | undefined {
  if (!Object.keys(p).some((k) => k.startsWith('os.'))) return undefined;
  const arch = normalizeArch(str(p, 'os.machine'));
  if (str(p, 'os.id') === 'mswindows') {
    const pretty = str(p, 'os.pretty-name') ?? '';
    return {
      guestOs: pretty,
      guestOsInfo: {
        type: 'windows',
        arch,
        kernel: '',
        distribution: '',
        version: str(p, 'os.kernel-version') ?? '',
        codename: pretty,
      },
      kernelRelease: undefined,
    };
  }
  const kernel = str(p, 'os.kernel-release') ?? '';
  return {
    guestOs: kernel,
    guestOsInfo: {
      type: 'linux',
      arch,
      kernel,
      distribution: str(p, 'os.name') ?? '',
      version: str(p, 'os.version-id') ?? '',
      codename: str(p, 'os.variant') ?? '',
    },
    kernelRelease: kernel,
  };
}

export function timezoneInfo(p: TypedParams): GuestTimezone | undefined {
  const offset = num(p, 'timezone.offset');
  if (offset === undefined) return undefined;
  return { offset: Math.floor(offset / 60), zone: str(p, 'timezone.name') ?? 'unknown' };
}

/** `fs.N.*`: mounted filesystems with complete size information. */
export function filesystems(p: TypedParams): GuestDiskUsage[] {
  const out: GuestDiskUsage[] = [];
  for (let i = 0; i < count(p, 'fs.count'); i++) {
    const path = str(p, `fs.${i}.mountpoint`);
    const fs = str(p, `fs.${i}.fstype`);
    const total = num(p, `fs.${i}.total-bytes`);
    const used = num(p, `fs.${i}.used-bytes`);
    if (path === undefined || fs === undefined || total === undefined || used === undefined) continue;
    out.push({ path, fs, total: String(total), used: String(used) });
  }
  return out;
}

/** The disk mapping from `fs.N.disk.M.{serial,device}` (partition numbers stripped), when guest-get-disks is missing. */
export function fsDiskMapping(p: TypedParams): DiskMapping {
  const mapping: DiskMapping = {};
  for (let i = 0; i < count(p, 'fs.count'); i++) {
    for (let j = 0; j < count(p, `fs.${i}.disk.count`); j++) {
      const serial = str(p, `fs.${i}.disk.${j}.serial`);
      const device = str(p, `fs.${i}.disk.${j}.device`);
      if (serial === undefined || device === undefined) continue;
      mapping[serial] = { name: device.replace(/^(\/dev\/[hsv]d[a-z]+)\d+$/, '$1') };
    }
  }
  return mapping;
}

/** `disk.N.{serial,name}` from guest-get-disks. */
export function disksMapping(p: TypedParams): DiskMapping {
  const mapping: DiskMapping = {};
  for (let i = 0; i < count(p, 'disk.count'); i++) {
    const serial = str(p, `disk.${i}.serial`);
    const name = str(p, `disk.${i}.name`);
    if (serial !== undefined && name !== undefined) mapping[serial] = { name };
  }
  return mapping;
}

/** Raw `guest-network-get-interfaces`: every interface but loopback, as netIfaces entries. */
export function interfaces(reply: string): GuestNetIface[] | undefined {
  const ret = agentReturn(reply);
  if (!Array.isArray(ret)) return undefined;
  const out: GuestNetIface[] = [];
  for (const iface of ret) {
    if (!isObject(iface) || typeof iface.name !== 'string' || iface.name === 'lo') continue;
    const inet: string[] = [];
    const inet6: string[] = [];
    for (const addr of Array.isArray(iface['ip-addresses']) ? iface['ip-addresses'] : []) {
      if (!isObject(addr) || typeof addr['ip-address'] !== 'string') continue;
      if (addr['ip-address-type'] === 'ipv4') inet.push(addr['ip-address']);
      else if (addr['ip-address-type'] === 'ipv6') inet6.push(addr['ip-address']);
    }
    const hw = iface['hardware-address'];
    out.push({ name: iface.name, hw: typeof hw === 'string' ? hw : '', inet, inet6 });
  }
  return out;
}

/** Raw `guest-get-vcpus`: the number of online vCPUs, -1 when the answer is not a list. */
export function onlineVcpus(reply: string): number {
  const ret = agentReturn(reply);
  if (!Array.isArray(ret)) return -1;
  return ret.filter((v) => isObject(v) && v.online === true).length;
}
