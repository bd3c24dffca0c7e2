import { ErrorCode, GuestInfoTypes, MetadataType, OVIRT_VM_NS, OVIRT_VM_PREFIX } from './constants.js';
import { LibvirtError } from './errors.js';
import type { DomainHandle } from './interfaces.js';
import { type MigrateOptions, type MigrateParams, migrateOptionsToFlags, migrateParamsToTuples } from './migration.js';
import type { NativeDomain, TypedParamTuple } from './native.js';
import type {
  BlockInfo,
  BlockIoTune,
  BlockJobInfo,
  BlockStats,
  DomainInfo,
  DomainStateInfo,
  InterfaceStats,
  JobInfo,
  JobStats,
  MemoryStats,
  TypedParams,
} from './types.js';

/**
 * One libvirt domain. Name, UUID and ID are cached locally; every other call runs on a worker thread and
 * returns a Promise that rejects with a LibvirtError. The native handle is freed when this object is collected.
 */
export class Domain implements DomainHandle {
  /** @internal */
  constructor(readonly native: NativeDomain) {}

  get name(): string {
    return this.native.getName();
  }
  get uuid(): string {
    return this.native.getUUID();
  }
  /** -1 when not running (as of when this handle was obtained). */
  get id(): number {
    return this.native.getID();
  }

  // ---- lifecycle ----
  create(flags = 0): Promise<number> {
    return this.native.create(flags);
  }
  destroy(flags = 0): Promise<number> {
    return this.native.destroy(flags);
  }
  shutdown(flags = 0): Promise<number> {
    return this.native.shutdown(flags);
  }
  reboot(flags = 0): Promise<number> {
    return this.native.reboot(flags);
  }
  suspend(): Promise<number> {
    return this.native.suspend();
  }
  resume(): Promise<number> {
    return this.native.resume();
  }
  undefine(flags = 0): Promise<number> {
    return this.native.undefine(flags);
  }
  isActive(): Promise<boolean> {
    return this.native.isActive();
  }
  isPersistent(): Promise<boolean> {
    return this.native.isPersistent();
  }

  // ---- XML, state, metadata ----
  getXMLDesc(flags = 0): Promise<string> {
    return this.native.getXMLDesc(flags);
  }
  getState(): Promise<DomainStateInfo> {
    return this.native.getState();
  }
  getInfo(): Promise<DomainInfo> {
    return this.native.getInfo();
  }
  getMetadata(type: number, uri: string | null = null, flags = 0): Promise<string> {
    return this.native.getMetadata(type, uri, flags);
  }
  setMetadata(
    type: number,
    metadata: string | null,
    key: string | null,
    uri: string | null,
    flags = 0,
  ): Promise<number> {
    return this.native.setMetadata(type, metadata, key, uri, flags);
  }
  /** The `<ovirt-vm:vm>` element of the domain's metadata (rejects with NO_DOMAIN_METADATA when absent). */
  getOvirtMetadata(flags = 0): Promise<string> {
    return this.native.getMetadata(MetadataType.ELEMENT, OVIRT_VM_NS, flags);
  }
  /** Replaces the `ovirt-vm` metadata element; `xml` is the element itself (e.g. `<vm>...</vm>`), or null to remove. */
  setOvirtMetadata(xml: string | null, flags = 0): Promise<number> {
    return this.native.setMetadata(MetadataType.ELEMENT, xml, OVIRT_VM_PREFIX, OVIRT_VM_NS, flags);
  }

  // ---- devices and resources ----
  attachDevice(xml: string, flags = 0): Promise<number> {
    return this.native.attachDevice(xml, flags);
  }
  detachDevice(xml: string, flags = 0): Promise<number> {
    return this.native.detachDevice(xml, flags);
  }
  updateDevice(xml: string, flags = 0): Promise<number> {
    return this.native.updateDevice(xml, flags);
  }
  /** Memory (KiB); with Affect.LIVE this is the balloon target of a running guest. */
  setMemory(kib: number, flags = 0): Promise<number> {
    return this.native.setMemory(kib, flags);
  }
  setVcpus(count: number, flags = 0): Promise<number> {
    return this.native.setVcpus(count, flags);
  }
  /**
   * Block I/O limits of one disk (target dev or source path); flags Affect.LIVE / Affect.CONFIG. Numbers travel
   * as libvirt's unsigned long long; a negative or fractional number is refused before reaching libvirt.
   */
  setBlockIoTune(disk: string, limits: BlockIoTune, flags = 0): Promise<number> {
    const tuples: TypedParamTuple[] = [];
    for (const [name, value] of Object.entries(limits)) {
      if (typeof value === 'string') tuples.push([name, 'string', value]);
      else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
        tuples.push([name, 'ullong', value]);
      else {
        const message = `block I/O tune ${name} must be a non-negative integer, got ${String(value)}`;
        return Promise.reject(new LibvirtError(message, ErrorCode.INVALID_ARG, 0));
      }
    }
    return this.native.setBlockIoTune(disk, tuples, flags);
  }
  getBlockIoTune(disk: string, flags = 0): Promise<BlockIoTune> {
    return this.native.getBlockIoTune(disk, flags) as Promise<BlockIoTune>;
  }

  // ---- statistics and jobs ----
  blockStats(disk: string, flags = 0): Promise<BlockStats> {
    return this.native.blockStats(disk, flags);
  }
  interfaceStats(device: string): Promise<InterfaceStats> {
    return this.native.interfaceStats(device);
  }
  memoryStats(flags = 0): Promise<MemoryStats> {
    return this.native.memoryStats(flags);
  }
  blockInfo(disk: string, flags = 0): Promise<BlockInfo> {
    return this.native.blockInfo(disk, flags);
  }
  /** size in KiB unless flags include VIR_DOMAIN_BLOCK_RESIZE_BYTES (1) */
  blockResize(disk: string, size: number, flags = 0): Promise<number> {
    return this.native.blockResize(disk, size, flags);
  }
  getJobInfo(): Promise<JobInfo> {
    return this.native.getJobInfo();
  }
  getJobStats(flags = 0): Promise<JobStats> {
    return this.native.getJobStats(flags);
  }
  abortJob(flags = 0): Promise<number> {
    return this.native.abortJob(flags);
  }

  // ---- migration ----
  /** Migrates to `dconnuri` (peer-to-peer) or, when null, to params.migrateUri (direct). */
  migrateToURI3(dconnuri: string | null, params: MigrateParams, options: MigrateOptions = {}): Promise<number> {
    return this.native.migrateToURI3(dconnuri, migrateParamsToTuples(params), migrateOptionsToFlags(options));
  }
  migrateSetMaxDowntime(ms: number, flags = 0): Promise<number> {
    return this.native.migrateSetMaxDowntime(ms, flags);
  }
  migrateSetMaxSpeed(mibps: number, flags = 0): Promise<number> {
    return this.native.migrateSetMaxSpeed(mibps, flags);
  }
  migrateGetMaxSpeed(flags = 0): Promise<number> {
    return this.native.migrateGetMaxSpeed(flags);
  }
  migrateStartPostCopy(flags = 0): Promise<number> {
    return this.native.migrateStartPostCopy(flags);
  }

  // ---- snapshots and block jobs ----
  /** Returns the new snapshot's name. */
  snapshotCreateXML(xml: string, flags = 0): Promise<string> {
    return this.native.snapshotCreateXML(xml, flags);
  }
  listSnapshots(flags = 0): Promise<string[]> {
    return this.native.listSnapshots(flags);
  }
  snapshotGetXMLDesc(name: string, flags = 0): Promise<string> {
    return this.native.snapshotGetXMLDesc(name, flags);
  }
  snapshotDelete(name: string, flags = 0): Promise<void> {
    return this.native.snapshotDelete(name, flags);
  }
  snapshotCurrent(): Promise<string | null> {
    return this.native.snapshotCurrent();
  }
  blockCommit(disk: string, base: string | null, top: string | null, bandwidth = 0, flags = 0): Promise<number> {
    return this.native.blockCommit(disk, base, top, bandwidth, flags);
  }
  blockPull(disk: string, bandwidth = 0, flags = 0): Promise<number> {
    return this.native.blockPull(disk, bandwidth, flags);
  }
  blockCopy(disk: string, destXml: string, params: TypedParamTuple[] = [], flags = 0): Promise<number> {
    return this.native.blockCopy(disk, destXml, params, flags);
  }
  blockJobInfo(disk: string, flags = 0): Promise<BlockJobInfo | null> {
    return this.native.blockJobInfo(disk, flags);
  }
  blockJobAbort(disk: string, flags = 0): Promise<number> {
    return this.native.blockJobAbort(disk, flags);
  }

  // ---- guest agent ----
  /** Raw QEMU guest agent passthrough; `timeout` seconds, or -2 default / -1 block / 0 no wait. */
  qemuAgentCommand(cmd: string, timeout = -2, flags = 0): Promise<string> {
    return this.native.qemuAgentCommand(cmd, timeout, flags);
  }
  getGuestInfo(
    types: number = Object.values(GuestInfoTypes).reduce((a, b) => a | b, 0),
    flags = 0,
  ): Promise<TypedParams> {
    return this.native.getGuestInfo(types, flags);
  }
}

/** The addon object behind a handle; undefined for another implementation's handle (the addon refuses those). */
export function nativeDomain(handle: DomainHandle): NativeDomain | undefined {
  return (handle as Partial<Domain>).native;
}
