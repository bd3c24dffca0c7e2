/**
 * VM placement as oVirt's scheduler does it: filters drop hosts that cannot run the VM, weights rank the rest
 * (lower score wins, as in oVirt's weight modules).
 */
import type { Host } from '../db/repo/hosts.js';
import type { Vm } from '../db/repo/vms.js';

export interface Placement {
  readonly host: Host;
  readonly score: number;
}

export interface Rejection {
  readonly hostName: string;
  readonly filter: 'status' | 'cluster' | 'memory' | 'cpu';
  readonly reason: string;
}

export type ScheduleResult = { ok: true; host: Host; ranked: Placement[] } | { ok: false; rejections: Rejection[] };

type Filter = (vm: Vm, host: Host) => Rejection | undefined;

const FILTERS: readonly Filter[] = [
  (_vm, h) => (h.status === 'Up' ? undefined : { hostName: h.name, filter: 'status', reason: `host is ${h.status}` }),
  (vm, h) =>
    h.clusterId === vm.clusterId
      ? undefined
      : { hostName: h.name, filter: 'cluster', reason: 'host is not in the VM cluster' },
  (vm, h) =>
    h.memFreeMb >= vm.memoryMb
      ? undefined
      : { hostName: h.name, filter: 'memory', reason: `needs ${vm.memoryMb} MiB, host has ${h.memFreeMb} MiB free` },
  (vm, h) =>
    h.cpuThreads >= vm.cpus
      ? undefined
      : { hostName: h.name, filter: 'cpu', reason: `needs ${vm.cpus} vCPUs, host has ${h.cpuThreads} CPUs` },
];

/** Weight modules: each returns a rank in [0, 1] (0 = best); the sum decides. */
const WEIGHTS: ReadonlyArray<(host: Host, all: readonly Host[]) => number> = [
  // more free memory is better
  (h, all) => {
    const max = Math.max(...all.map((x) => x.memFreeMb));
    return max === 0 ? 0 : 1 - h.memFreeMb / max;
  },
  // fewer VMs is better (even distribution)
  (h, all) => {
    const max = Math.max(...all.map((x) => x.vmCount));
    return max === 0 ? 0 : h.vmCount / max;
  },
];

export function schedule(vm: Vm, candidates: readonly Host[]): ScheduleResult {
  const rejections: Rejection[] = [];
  const passing = candidates.filter((host) => {
    for (const filter of FILTERS) {
      const rejected = filter(vm, host);
      if (rejected !== undefined) {
        rejections.push(rejected);
        return false;
      }
    }
    return true;
  });
  if (passing.length === 0) return { ok: false, rejections };
  const ranked = passing
    .map((host) => ({ host, score: WEIGHTS.reduce((sum, w) => sum + w(host, passing), 0) }))
    .sort((a, b) => a.score - b.score || a.host.name.localeCompare(b.host.name));
  return { ok: true, host: ranked[0]!.host, ranked };
}
