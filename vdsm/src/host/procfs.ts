/**
 * Readers of /proc and /sys: small pure parsers plus the file reads. Nothing here spawns a process.
 * (systeminformation is not used: on Linux it shells out to lscpu/dmidecode through a shell for the same facts.)
 */
import { readdir, readFile } from 'node:fs/promises';

/** Reads a text file, or undefined when it does not exist or cannot be read. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function readInt(path: string): Promise<number | undefined> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  const n = Number.parseInt(text.trim(), 10);
  return Number.isNaN(n) ? undefined : n;
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** `/proc/meminfo` as KiB values by key (`MemTotal` → 16384000). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)/.exec(line);
    if (m !== null) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Expands a sysfs cpu list (`0-3,8,10-11`) to ids. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-');
    const from = Number(a);
    const to = b === undefined ? from : Number(b);
    if (!Number.isInteger(from) || !Number.isInteger(to)) continue;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly total: number;
}

export interface ProcStat {
  readonly all: CpuTimes;
  readonly perCpu: ReadonlyMap<number, CpuTimes>;
  /** Boot time, epoch seconds. */
  readonly btime: number;
}

export function parseProcStat(text: string): ProcStat {
  let all: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, total: 0 };
  const perCpu = new Map<number, CpuTimes>();
  let btime = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const key = fields[0] ?? '';
    if (key.startsWith('cpu')) {
      const v = fields.slice(1).map(Number);
      const times: CpuTimes = {
        user: v[0] ?? 0,
        nice: v[1] ?? 0,
        system: v[2] ?? 0,
        idle: v[3] ?? 0,
        // guest and guest_nice (8, 9) are already counted in user and nice
        total: v.slice(0, 8).reduce((s, x) => s + x, 0),
      };
      if (key === 'cpu') all = times;
      else perCpu.set(Number(key.slice(3)), times);
    } else if (key === 'btime') btime = Number(fields[1]);
  }
  return { all, perCpu, btime };
}

/** utime and stime (jiffies) of a /proc/<pid>/stat line. */
export function parsePidStat(text: string): { utime: number; stime: number } {
  // The command name is in parentheses and may hold spaces; fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { utime: Number(rest[11] ?? 0), stime: Number(rest[12] ?? 0) };
}

/** `KEY="value"` lines of /etc/os-release. */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m === null) continue;
    let value = m[2]!;
    if (/^(".*"|'.*')$/.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    out.set(m[1]!, value);
  }
  return out;
}

/** The selected word in a sysfs choice file: `always [madvise] never` → `madvise`. */
export function selectedChoice(text: string): string | undefined {
  return /\[([^\]]+)\]/.exec(text)?.[1];
}

export interface InterfaceCounters {
  readonly name: string;
  readonly rx: number;
  readonly tx: number;
  readonly rxErrors: number;
  readonly txErrors: number;
  readonly rxDropped: number;
  readonly txDropped: number;
  /** Mbps, undefined when the kernel does not know (virtual links). */
  readonly speed: number | undefined;
  readonly operstate: string;
  /** Epoch seconds of the read. */
  readonly sampleTime: number;
}

export async function readInterface(name: string): Promise<InterfaceCounters> {
  const base = `/sys/class/net/${name}`;
  const stat = (s: string) => readInt(`${base}/statistics/${s}`).then((v) => v ?? 0);
  const [rx, tx, rxErrors, txErrors, rxDropped, txDropped, speed, operstate] = await Promise.all([
    stat('rx_bytes'),
    stat('tx_bytes'),
    stat('rx_errors'),
    stat('tx_errors'),
    stat('rx_dropped'),
    stat('tx_dropped'),
    readInt(`${base}/speed`),
    readText(`${base}/operstate`),
  ]);
  return {
    name,
    rx,
    tx,
    rxErrors,
    txErrors,
    rxDropped,
    txDropped,
    speed: speed !== undefined && speed > 0 ? speed : undefined,
    operstate: (operstate ?? 'unknown').trim(),
    sampleTime: Date.now() / 1000,
  };
}

/** Which NUMA node each cpu belongs to, from /sys/devices/system/node (empty without NUMA in sysfs). */
export async function cpuNodes(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const nodes = (await listDir('/sys/devices/system/node')).filter((n) => /^node\d+$/.test(n));
  await Promise.all(
    nodes.map(async (node) => {
      const list = await readText(`/sys/devices/system/node/${node}/cpulist`);
      if (list === undefined) return;
      for (const cpu of parseCpuList(list)) out.set(cpu, Number(node.slice(4)));
    }),
  );
  return out;
}
