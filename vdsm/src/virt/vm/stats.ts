/**
 * VM.getStats / Host.getAllVmStats records: the config part (from the parsed XML, built once per XML change), the
 * sampled part (the sampler's last cycle), the guest part (guest agent) and the status fields, in that order so
 * vdsmd's own status always wins. Down VMs carry only their exit record.
 */
import type { DomainDescription } from '../domain-xml.js';
import type { Vm } from './vm.js';

export interface SampledStatsSource {
  statsFor(vmId: string): Readonly<Record<string, unknown>> | undefined;
}

export type VmStatsRecord = Readonly<Record<string, unknown>>;

const configCache = new WeakMap<DomainDescription, VmStatsRecord>();

/** The part of the stats that only changes with the domain XML. */
function configPart(description: DomainDescription): VmStatsRecord {
  let part = configCache.get(description);
  if (part === undefined) {
    part = {
      vmName: description.name,
      vmType: 'kvm',
      kvmEnable: 'true',
      acpiEnable: description.acpi ? 'true' : 'false',
      vcpuCount: String(description.vcpus),
      displayInfo: description.graphics.map((g) => ({
        type: g.type,
        port: g.port,
        tlsPort: g.tlsPort,
        ipAddress: g.listen,
      })),
      hash: description.devicesHash,
    };
    configCache.set(description, part);
  }
  return part;
}

export function downStats(vm: Vm): VmStatsRecord {
  const info = vm.downInfo;
  return {
    vmId: vm.id,
    status: 'Down',
    statusTime: String(vm.statusTime),
    exitCode: info?.exitCode ?? 0,
    exitMessage: info?.exitMessage ?? '',
    exitReason: info?.exitReason ?? 0,
    timeOffset: vm.timeOffset,
  };
}

export function vmStats(vm: Vm, sampler: SampledStatsSource | undefined, nowEpochS = Date.now() / 1000): VmStatsRecord {
  if (vm.isDown()) return downStats(vm);
  const elapsed = vm.startTime === undefined ? 0 : Math.max(0, Math.floor(nowEpochS - vm.startTime));
  const stats: Record<string, unknown> = {
    ...configPart(vm.description),
    monitorResponse: '0',
    clientIp: vm.clientIp,
    timeOffset: vm.timeOffset,
    ...sampler?.statsFor(vm.id),
    ...vm.agent?.stats(),
    elapsedTime: String(elapsed),
    vmId: vm.id,
    status: vm.status(),
    statusTime: String(vm.statusTime),
  };
  if (vm.pauseCode !== undefined) stats.pauseCode = vm.pauseCode;
  return stats;
}

/** Host.getVMList(fullStatus) / Host.getVMFullList entry: the VM's definition as vdsmd runs it. */
export function vmFullInfo(vm: Vm, xml: string | undefined): VmStatsRecord {
  const d = vm.description;
  const first = d.graphics[0];
  return {
    vmId: vm.id,
    vmName: d.name,
    status: vm.status(),
    statusTime: vm.statusTime,
    memSize: Math.floor(d.memoryKiB / 1024),
    smp: String(d.vcpus),
    maxVCpus: String(d.maxVcpus),
    vmType: 'kvm',
    kvmEnable: 'true',
    acpiEnable: d.acpi ? 'true' : 'false',
    clientIp: vm.clientIp,
    ...(first === undefined ? {} : { display: first.type === 'spice' ? 'qxl' : 'vnc', displayIp: first.listen }),
    ...(first?.port ? { displayPort: first.port } : {}),
    ...(first?.tlsPort ? { displaySecurePort: first.tlsPort } : {}),
    ...(vm.isDown() ? downStats(vm) : {}),
    ...(xml === undefined ? {} : { xml }),
  };
}
