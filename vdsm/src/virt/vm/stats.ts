/**
 * VM.getStats / Host.getAllVmStats records: the config part (from the parsed XML, built once per XML change), the
 * sampled part (the sampler's last cycle), the guest part (guest agent) and the status fields, in that order so
 * vdsmd's own status always wins. Down VMs carry only their exit record.
 */
import type { DomainDescription, GraphicsInfo } from '../domain-xml.js';
import type { VmStatus } from './status.js';
import type { QemuGuestAgent, Vm } from './vm.js';

export interface SampledStatsSource {
  statsFor(vmId: string): Readonly<Record<string, unknown>> | undefined;
}

/** A graphics device the engine can show (the schema's VmGraphicsDeviceType). */
type DisplayGraphics = GraphicsInfo & { readonly type: 'spice' | 'vnc' };

function isDisplay(g: GraphicsInfo): g is DisplayGraphics {
  return g.type === 'spice' || g.type === 'vnc';
}

interface DisplayInfo {
  readonly type: 'spice' | 'vnc';
  readonly port: string;
  readonly tlsPort: string;
  readonly ipAddress: string;
}

/** The fields that only change with the domain XML. */
type ConfigPart = {
  readonly vmName: string;
  readonly vmType: 'kvm';
  readonly kvmEnable: 'true';
  readonly acpiEnable: 'true' | 'false';
  readonly vcpuCount: string;
  readonly displayInfo: readonly DisplayInfo[];
  readonly hash: string;
};

/** A Down VM's record (the schema's ExitedVmStats). */
export interface DownStatsRecord {
  readonly vmId: string;
  readonly status: 'Down';
  readonly statusTime: string;
  readonly exitCode: number;
  readonly exitMessage: string;
  readonly exitReason: number;
  readonly timeOffset: string;
}

/**
 * A running VM's record (the schema's RunningVmStats): vdsmd's own fields are typed here; the sampled and guest
 * fields are merged in from their sources' records, hence the open index signature.
 */
export interface RunningStatsRecord extends ConfigPart {
  readonly monitorResponse: string;
  readonly clientIp: string;
  readonly timeOffset: string;
  readonly elapsedTime: string;
  readonly vmId: string;
  readonly status: VmStatus;
  readonly statusTime: string;
  readonly pauseCode?: string;
  /** Block jobs vdsm started, by job id: none while VM.merge is not implemented (upstream sends {} once it knows). */
  readonly vmJobs: Readonly<Record<string, never>>;
  readonly [sampledOrGuestField: string]: unknown;
}

export type VmStatsRecord = DownStatsRecord | RunningStatsRecord;

type Draft<T> = { -readonly [K in keyof T]: T[K] };

/** Host.getVMList(fullStatus) / Host.getVMFullList entry (the schema's VMFullInfo, plus a Down VM's exit fields). */
export interface VmFullInfoRecord {
  readonly vmId: string;
  readonly vmName: string;
  readonly status: VmStatus;
  readonly statusTime: string;
  readonly memSize: number;
  readonly smp: string;
  readonly maxVCpus: string;
  readonly vmType: 'kvm';
  readonly kvmEnable: 'true';
  readonly acpiEnable: 'true' | 'false';
  readonly clientIp: string;
  readonly display?: 'qxl' | 'vnc';
  readonly displayIp?: string;
  readonly displayPort?: number;
  readonly displaySecurePort?: number;
  readonly exitCode?: number;
  readonly exitMessage?: string;
  readonly exitReason?: number;
  readonly xml?: string;
}

const NO_JOBS: Readonly<Record<string, never>> = Object.freeze({});

const configCache = new WeakMap<DomainDescription, ConfigPart>();

/** The part of the stats that only changes with the domain XML. */
function configPart(description: DomainDescription): ConfigPart {
  let part = configCache.get(description);
  if (part === undefined) {
    part = {
      vmName: description.name,
      vmType: 'kvm',
      kvmEnable: 'true',
      acpiEnable: description.acpi ? 'true' : 'false',
      vcpuCount: String(description.vcpus),
      displayInfo: description.graphics.filter(isDisplay).map((g) => ({
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

const downRecords = new WeakMap<Vm, DownStatsRecord>();

/** A Down VM's record; the same object while nothing in it changes (so its JSON text is reused). */
export function downStats(vm: Vm): DownStatsRecord {
  const info = vm.downInfo;
  const last = downRecords.get(vm);
  if (
    last !== undefined &&
    last.statusTime === String(vm.statusTime) &&
    last.timeOffset === vm.timeOffset &&
    last.exitReason === (info?.exitReason ?? 0) &&
    last.exitMessage === (info?.exitMessage ?? '')
  ) {
    return last;
  }
  const record: DownStatsRecord = {
    vmId: vm.id,
    status: 'Down',
    statusTime: String(vm.statusTime),
    exitCode: info?.exitCode ?? 0,
    exitMessage: info?.exitMessage ?? '',
    exitReason: info?.exitReason ?? 0,
    timeOffset: vm.timeOffset,
  };
  downRecords.set(vm, record);
  return record;
}

/** What a running VM's record was built from; the same inputs give the same record (getAllVmStats at scale). */
interface Built {
  readonly record: RunningStatsRecord;
  readonly description: DomainDescription;
  readonly sampled: Readonly<Record<string, unknown>> | undefined;
  readonly qga: QemuGuestAgent | undefined;
  readonly qgaGeneration: number | undefined;
  readonly status: string;
  readonly statusTime: number;
  readonly elapsed: number;
  readonly clientIp: string;
  readonly timeOffset: string;
  readonly pauseCode: string | undefined;
}

const built = new WeakMap<Vm, Built>();

/**
 * The guest part: the oVirt agent's fields, overridden key by key by qemu-guest-agent's, their application lists
 * joined (upstream `_getGuestStats`).
 */
export function guestPart(
  ovirt: Readonly<Record<string, unknown>> | undefined,
  qga: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (qga === undefined) return ovirt;
  if (ovirt === undefined) return qga;
  const out: Record<string, unknown> = Object.assign({}, ovirt, qga);
  if (Array.isArray(ovirt.appsList) && Array.isArray(qga.appsList)) {
    out.appsList = [...new Set([...ovirt.appsList, ...qga.appsList])];
  }
  return out;
}

/**
 * Sampled and guest fields in one record, with upstream's precedence: libvirt's balloon memoryStats win key by key
 * over the agent's (which only fill in), and the agent's memUsage wins unless it is "0" (no fresh heartbeat).
 */
export function mergeSampledAndGuest(
  record: Record<string, unknown>,
  sampled: Readonly<Record<string, unknown>> | undefined,
  guest: Readonly<Record<string, unknown>> | undefined,
): void {
  Object.assign(record, sampled, guest);
  if (guest === undefined || sampled === undefined) return;
  const sampledMemory = sampled.memoryStats;
  const guestMemory = guest.memoryStats;
  if (sampledMemory !== undefined && guestMemory !== undefined) {
    record.memoryStats = Object.assign({}, guestMemory, sampledMemory);
  } else if (sampledMemory !== undefined) {
    record.memoryStats = sampledMemory;
  }
  if ((guest.memUsage === undefined || guest.memUsage === '0') && sampled.memUsage !== undefined) {
    record.memUsage = sampled.memUsage;
  }
}

export function vmStats(vm: Vm, sampler: SampledStatsSource | undefined, nowEpochS = Date.now() / 1000): VmStatsRecord {
  return vm.isDown() ? downStats(vm) : runningStats(vm, sampler, nowEpochS);
}

/** A VM that is not Down: its running record, rebuilt only when an input changed. */
export function runningStats(
  vm: Vm,
  sampler: SampledStatsSource | undefined,
  nowEpochS = Date.now() / 1000,
): RunningStatsRecord {
  const elapsed = vm.startTime === undefined ? 0 : Math.max(0, Math.floor(nowEpochS - vm.startTime));
  const sampled = sampler?.statsFor(vm.id);
  const status = vm.status();
  const last = built.get(vm);
  // oVirt agent fields change with every agent message (and memUsage with time), so VMs with one are built every
  // time; qemu-guest-agent's only when its poller got something new.
  if (
    vm.agent === undefined &&
    last !== undefined &&
    last.qga === vm.qga &&
    last.qgaGeneration === vm.qga?.generation &&
    last.sampled === sampled &&
    last.description === vm.description &&
    last.status === status &&
    last.statusTime === vm.statusTime &&
    last.elapsed === elapsed &&
    last.clientIp === vm.clientIp &&
    last.timeOffset === vm.timeOffset &&
    last.pauseCode === vm.pauseCode
  ) {
    return last.record;
  }
  // Object.assign keeps this cheap (object spread of many keys is several times slower in V8).
  // vdsmd's own fields go in first (so the record's type holds from the start) and are set again after the merge,
  // so they win over same-named sampled or guest fields.
  const record: Draft<RunningStatsRecord> = Object.assign({}, configPart(vm.description), {
    monitorResponse: '0',
    clientIp: vm.clientIp,
    timeOffset: vm.timeOffset,
    elapsedTime: String(elapsed),
    vmId: vm.id,
    status,
    statusTime: String(vm.statusTime),
    vmJobs: NO_JOBS,
  });
  mergeSampledAndGuest(record, sampled, guestPart(vm.agent?.stats(), vm.qga?.stats()));
  record.elapsedTime = String(elapsed);
  record.vmId = vm.id;
  record.status = status;
  record.statusTime = String(vm.statusTime);
  if (vm.pauseCode !== undefined) record.pauseCode = vm.pauseCode;
  built.set(vm, {
    record,
    description: vm.description,
    sampled,
    qga: vm.qga,
    qgaGeneration: vm.qga?.generation,
    status,
    statusTime: vm.statusTime,
    elapsed,
    clientIp: vm.clientIp,
    timeOffset: vm.timeOffset,
    pauseCode: vm.pauseCode,
  });
  return record;
}

const jsonOfRecord = new WeakMap<VmStatsRecord, string>();

/** The record as JSON text, serialized once per record (records are rebuilt, never changed, when inputs change). */
export function statsJson(record: VmStatsRecord): string {
  let json = jsonOfRecord.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    jsonOfRecord.set(record, json);
  }
  return json;
}

/** Host.getVMList(fullStatus) / Host.getVMFullList entry: the VM's definition as vdsmd runs it. */
export function vmFullInfo(vm: Vm, xml: string | undefined): VmFullInfoRecord {
  const d = vm.description;
  const first = d.graphics[0];
  return {
    vmId: vm.id,
    vmName: d.name,
    status: vm.status(),
    statusTime: String(vm.statusTime),
    memSize: Math.floor(d.memoryKiB / 1024),
    smp: String(d.vcpus),
    maxVCpus: String(d.maxVcpus),
    vmType: 'kvm',
    kvmEnable: 'true',
    acpiEnable: d.acpi ? 'true' : 'false',
    clientIp: vm.clientIp,
    ...(first === undefined ? {} : { display: first.type === 'spice' ? 'qxl' : 'vnc', displayIp: first.listen }),
    // the schema has ports as numbers here (strings in VM.getStats' displayInfo)
    ...(first?.port ? { displayPort: Number(first.port) } : {}),
    ...(first?.tlsPort ? { displaySecurePort: Number(first.tlsPort) } : {}),
    ...(vm.isDown() ? downPart(vm) : {}),
    ...(xml === undefined ? {} : { xml }),
  };
}

/** A Down VM's exit fields and status for its full-info entry (VMFullInfo's timeOffset is a number). */
function downPart(vm: Vm): Pick<VmFullInfoRecord, 'status' | 'statusTime' | 'exitCode' | 'exitMessage' | 'exitReason'> {
  const { status, statusTime, exitCode, exitMessage, exitReason } = downStats(vm);
  return { status, statusTime, exitCode, exitMessage, exitReason };
}
