/**
 * Host identity and platform facts: host name / FQDN, kernel release, OS description, time zone and
 * CPU count.
 */
import { lookup, lookupService } from 'node:dns/promises';
import { readFile, readlink } from 'node:fs/promises';
import { hostname, machine, release } from 'node:os';
import si from 'systeminformation';
import type { GuestMessageArgs } from '../protocol/messages.js';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => undefined),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The fully qualified name, as Python's socket.getfqdn() finds it: the host name if it already has a
 * dot, else the name its address resolves back to, else the bare host name.
 */
export async function getFqdn(timeoutMs = 2000): Promise<string> {
  const name = hostname();
  if (name.includes('.')) return name;
  const addr = await withTimeout(lookup(name), timeoutMs);
  if (addr === undefined) return name;
  const back = await withTimeout(lookupService(addr.address, 0), timeoutMs);
  return back?.hostname.startsWith(`${name}.`) ? back.hostname : name;
}

/** `uname -r` */
export function osVersion(): string {
  return release();
}

/** upstream's arch names: i?86 → x86, everything else as `uname -m` says */
export function normalizeArch(arch: string): string {
  return /^i[3-6]86$/.test(arch) ? 'x86' : arch;
}

export async function osInfo(): Promise<GuestMessageArgs['os-info']> {
  const info = await si.osInfo();
  return {
    version: info.release ?? '',
    distribution: info.distro ?? '',
    codename: info.codename ?? '',
    arch: normalizeArch(machine()),
    type: 'linux',
    kernel: release(),
  };
}

/** The zone name from `/etc/localtime`'s link target (last two parts), `/etc/timezone`, or `/etc/sysconfig/clock`. */
export async function timezoneName(etc = '/etc'): Promise<string> {
  try {
    const target = await readlink(`${etc}/localtime`);
    const parts = target.split('/').filter((p) => p !== '');
    if (parts.length >= 2) return parts.slice(-2).join('/');
  } catch {
    // not a link
  }
  try {
    const zone = (await readFile(`${etc}/timezone`, 'utf8')).trim();
    if (zone !== '') return zone;
  } catch {
    // absent
  }
  try {
    const clock = await readFile(`${etc}/sysconfig/clock`, 'utf8');
    const m = /^\s*ZONE\s*=\s*"?([^"\n]+)"?/m.exec(clock);
    if (m?.[1] !== undefined) return m[1].trim();
  } catch {
    // absent
  }
  return '';
}

/** Minutes east of UTC in standard time (DST ignored) for the local zone of this process. */
export function standardOffsetMinutes(year = new Date().getFullYear()): number {
  const jan = -new Date(year, 0, 1).getTimezoneOffset();
  const jul = -new Date(year, 6, 1).getTimezoneOffset();
  return Math.min(jan, jul);
}

export async function timezone(etc = '/etc'): Promise<GuestMessageArgs['timezone']> {
  return { zone: await timezoneName(etc), offset: standardOffsetMinutes() };
}

/** Online CPUs from `/sys/devices/system/cpu/online` ("0-3,5"); -1 when unknown. */
export function parseCpuList(text: string): number {
  let count = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return -1;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return -1;
    count += hi - lo + 1;
  }
  return count > 0 ? count : -1;
}

export async function numberOfCpus(sys = '/sys'): Promise<number> {
  try {
    return parseCpuList(await readFile(`${sys}/devices/system/cpu/online`, 'utf8'));
  } catch {
    return -1;
  }
}
