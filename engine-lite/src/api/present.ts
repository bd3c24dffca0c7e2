/** Database rows → oVirt-shaped REST JSON (snake_case fields, lowercase statuses, `{id, href}` references). */
import type { Cluster } from '../db/repo/clusters.js';
import type { DataCenter } from '../db/repo/datacenters.js';
import type { Disk } from '../db/repo/disks.js';
import type { AuditEvent } from '../db/repo/events.js';
import type { Host } from '../db/repo/hosts.js';
import type { StorageDomain } from '../db/repo/storage.js';
import type { Template } from '../db/repo/templates.js';
import type { VmRow } from '../db/repo/vms.js';

export const API = '/ovirt-engine/api';
const MiB = 1024 * 1024;

/** 'NonResponsive' → 'non_responsive', as oVirt's REST API spells statuses. */
export function restStatus(status: string): string {
  return status.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

const link = (collection: string, id: string | null) =>
  id === null ? undefined : { id, href: `${API}/${collection}/${id}` };

/** id, href and name: the head of every named entity */
const head = (collection: string, e: { id: string; name: string }) => ({
  id: e.id,
  href: `${API}/${collection}/${e.id}`,
  name: e.name,
});

/** memory, CPU topology, OS and display: the machine a VM takes from its template */
const machine = (m: { memoryMb: number; cpus: number; osType: string; displayType: string }) => ({
  memory: m.memoryMb * MiB,
  cpu: { topology: { sockets: m.cpus, cores: 1, threads: 1 } },
  os: { type: m.osType },
  display: { type: m.displayType },
});

export const present = {
  datacenter: (dc: DataCenter) => ({
    ...head('datacenters', dc),
    description: dc.description,
    status: restStatus(dc.status),
    version: versionOf(dc.compatVersion),
    master_storage_domain: link('storagedomains', dc.masterDomainId),
  }),
  cluster: (c: Cluster) => ({
    ...head('clusters', c),
    description: c.description,
    cpu: { type: c.cpuType },
    version: versionOf(c.compatVersion),
    data_center: link('datacenters', c.dataCenterId),
  }),
  host: (h: Host) => ({
    ...head('hosts', h),
    address: h.address,
    port: h.port,
    status: restStatus(h.status),
    status_detail: h.statusDetail,
    spm: { priority: h.spmPriority, status: h.spmStatus.toLowerCase() },
    cpu: { name: h.cpuModel, threads: h.cpuThreads },
    memory: h.memTotalMb * MiB,
    free_memory: h.memFreeMb * MiB,
    cpu_usage_percent: h.cpuUsagePct,
    vm_count: h.vmCount,
    pool_host_id: h.poolHostId ?? undefined,
    version: h.softwareVersion,
    tls: h.tls,
    last_seen: h.lastSeen?.toISOString(),
    cluster: link('clusters', h.clusterId),
  }),
  vm: (vm: VmRow) => ({
    ...head('vms', vm),
    description: vm.description,
    status: restStatus(vm.status),
    ...machine(vm),
    os: {
      type: vm.osType,
      // oVirt omits unset fields; so does engine-lite
      ...(vm.kernelPath === '' ? {} : { kernel: vm.kernelPath }),
      ...(vm.initrdPath === '' ? {} : { initrd: vm.initrdPath }),
      ...(vm.kernelCmdline === '' ? {} : { cmdline: vm.kernelCmdline }),
    },
    cluster: link('clusters', vm.clusterId),
    template: link('templates', vm.templateId),
    host: link('hosts', vm.runOnHostId),
  }),
  template: (t: Template) => ({
    ...head('templates', t),
    description: t.description,
    ...machine(t),
    cluster: link('clusters', t.clusterId),
  }),
  disk: (d: Disk) => ({
    ...head('disks', d),
    provisioned_size: d.sizeBytes,
    format: d.format,
    interface: d.interface,
    bootable: d.bootable,
    status: d.status.toLowerCase(),
    vm: link('vms', d.vmId),
    storage_domain: link('storagedomains', d.storageDomainId),
  }),
  storageDomain: (sd: StorageDomain) => ({
    ...head('storagedomains', sd),
    type: sd.domainType,
    storage: { type: sd.storageType },
    status: restStatus(sd.status),
    master: sd.isMaster,
    data_center: link('datacenters', sd.dataCenterId),
  }),
  event: (e: AuditEvent) => ({
    id: String(e.id),
    href: `${API}/events/${e.id}`,
    time: e.time.toISOString(),
    severity: e.severity,
    code: e.code,
    description: e.message,
    host: link('hosts', e.hostId),
    vm: link('vms', e.vmId),
  }),
};

function versionOf(v: string): { major: number; minor: number } {
  const [major, minor] = v.split('.').map(Number);
  return { major: major ?? 4, minor: minor ?? 7 };
}

export function bytesToMiB(bytes: number): number {
  return Math.ceil(bytes / MiB);
}
