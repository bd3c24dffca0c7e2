/**
 * Memory figures from /proc (cheaper than any library): `free-ram` for the heartbeat and the
 * `memory-stat` object, whose swap and page-fault figures are per-second rates since the last sample.
 */
import { readFile } from 'node:fs/promises';
import type { MemoryStat } from '../protocol/messages.js';

/** `Key: value kB` lines → key → KiB */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)/.exec(line);
    if (m !== null) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

/** `key value` lines → key → counter */
export function parseVmstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)$/.exec(line.trim());
    if (m !== null) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

const RATES = [
  ['pswpin', 'swap_in'],
  ['pswpout', 'swap_out'],
  ['pgfault', 'pageflt'],
  ['pgmajfault', 'majflt'],
] as const;

export interface MemorySample {
  /** MiB of MemFree + Buffers + Cached, as the decimal string the heartbeat carries */
  readonly freeRam: string;
  readonly stat: MemoryStat;
}

export class MemorySampler {
  #prev: Map<string, number> | undefined;
  #prevAt = 0;

  constructor(private readonly procDir = '/proc') {}

  async sample(): Promise<MemorySample> {
    const [meminfoText, vmstatText] = await Promise.all([
      readFile(`${this.procDir}/meminfo`, 'utf8'),
      readFile(`${this.procDir}/vmstat`, 'utf8').catch(() => ''),
    ]);
    const now = performance.now();
    const mem = parseMeminfo(meminfoText);
    const vm = parseVmstat(vmstatText);
    const get = (k: string): number => mem.get(k) ?? 0;
    const free = get('MemFree') + get('Buffers') + get('Cached');
    const seconds = (now - this.#prevAt) / 1000;
    const rate = (key: string): number => {
      const cur = vm.get(key);
      const prev = this.#prev?.get(key);
      if (cur === undefined || prev === undefined || seconds <= 0) return 0;
      return Math.max(0, Math.trunc((cur - prev) / seconds));
    };
    const stat: MemoryStat = {
      mem_total: get('MemTotal'),
      mem_free: free,
      mem_unused: get('MemFree'),
      mem_buffers: get('Buffers'),
      mem_cached: get('Cached'),
      swap_in: 0,
      swap_out: 0,
      pageflt: 0,
      majflt: 0,
      swap_usage: Math.max(0, get('SwapTotal') - get('SwapFree')),
      swap_total: get('SwapTotal'),
    };
    for (const [from, to] of RATES) stat[to] = rate(from);
    this.#prev = vm;
    this.#prevAt = now;
    return { freeRam: String(Math.trunc(free / 1024)), stat };
  }
}
