/**
 * The narrow doors vdsmd uses: a hypervisor connection and a domain handle. The classes in connection.ts and
 * domain.ts implement them on top of the native addon; every call returns a Promise that rejects with a
 * LibvirtError.
 */
import type { ConnectionCalls } from './connection-calls.js';
import type { EventIdCode } from './constants.js';
import type { ConnectionClosedEvent, EventById } from './events.js';
import type { MigrateOptions, MigrateParams } from './migration.js';
import type { TypedParamTuple } from './native.js';
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

export interface Subscription {
  readonly callbackId: number;
  unsubscribe(): Promise<void>;
}

export interface DomainHandle {
  readonly name: string;
  readonly uuid: string;
  readonly id: number;
  create(flags?: number): Promise<number>;
  destroy(flags?: number): Promise<number>;
  shutdown(flags?: number): Promise<number>;
  reboot(flags?: number): Promise<number>;
  suspend(): Promise<number>;
  resume(): Promise<number>;
  undefine(flags?: number): Promise<number>;
  isActive(): Promise<boolean>;
  isPersistent(): Promise<boolean>;
  getXMLDesc(flags?: number): Promise<string>;
  getState(): Promise<DomainStateInfo>;
  getInfo(): Promise<DomainInfo>;
  getMetadata(type: number, uri?: string | null, flags?: number): Promise<string>;
  setMetadata(
    type: number,
    metadata: string | null,
    key: string | null,
    uri: string | null,
    flags?: number,
  ): Promise<number>;
  getOvirtMetadata(flags?: number): Promise<string>;
  setOvirtMetadata(xml: string | null, flags?: number): Promise<number>;
  attachDevice(xml: string, flags?: number): Promise<number>;
  detachDevice(xml: string, flags?: number): Promise<number>;
  updateDevice(xml: string, flags?: number): Promise<number>;
  setMemory(kib: number, flags?: number): Promise<number>;
  setVcpus(count: number, flags?: number): Promise<number>;
  /** Only the given limits change (libvirt's names: total_bytes_sec, read_iops_sec, ..., group_name). */
  setBlockIoTune(disk: string, limits: BlockIoTune, flags?: number): Promise<number>;
  getBlockIoTune(disk: string, flags?: number): Promise<BlockIoTune>;
  blockStats(disk: string, flags?: number): Promise<BlockStats>;
  interfaceStats(device: string): Promise<InterfaceStats>;
  memoryStats(flags?: number): Promise<MemoryStats>;
  blockInfo(disk: string, flags?: number): Promise<BlockInfo>;
  blockResize(disk: string, size: number, flags?: number): Promise<number>;
  getJobInfo(): Promise<JobInfo>;
  getJobStats(flags?: number): Promise<JobStats>;
  abortJob(flags?: number): Promise<number>;
  migrateToURI3(dconnuri: string | null, params: MigrateParams, options?: MigrateOptions): Promise<number>;
  migrateSetMaxDowntime(ms: number, flags?: number): Promise<number>;
  migrateSetMaxSpeed(mibps: number, flags?: number): Promise<number>;
  migrateGetMaxSpeed(flags?: number): Promise<number>;
  migrateStartPostCopy(flags?: number): Promise<number>;
  snapshotCreateXML(xml: string, flags?: number): Promise<string>;
  listSnapshots(flags?: number): Promise<string[]>;
  snapshotGetXMLDesc(name: string, flags?: number): Promise<string>;
  snapshotDelete(name: string, flags?: number): Promise<void>;
  snapshotCurrent(): Promise<string | null>;
  blockCommit(
    disk: string,
    base: string | null,
    top: string | null,
    bandwidth?: number,
    flags?: number,
  ): Promise<number>;
  blockPull(disk: string, bandwidth?: number, flags?: number): Promise<number>;
  blockCopy(disk: string, destXml: string, params?: TypedParamTuple[], flags?: number): Promise<number>;
  blockJobInfo(disk: string, flags?: number): Promise<BlockJobInfo | null>;
  blockJobAbort(disk: string, flags?: number): Promise<number>;
  qemuAgentCommand(cmd: string, timeout?: number, flags?: number): Promise<string>;
  /** types: an OR of GuestInfoTypes (default: all) */
  getGuestInfo(types?: number, flags?: number): Promise<TypedParams>;
}

/** A hypervisor connection: the calls of CONNECTION_CALLS plus the connection's own life and events. */
export interface Hypervisor extends ConnectionCalls {
  close(): Promise<void>;
  isAlive(): boolean;
  isReadOnly(): boolean;
  setKeepAlive(interval: number, count: number): Promise<number>;
  onClose(listener: (e: ConnectionClosedEvent) => void): () => void;
  subscribe<K extends EventIdCode>(
    eventId: K,
    listener: (event: EventById[K]) => void,
    domain?: DomainHandle,
  ): Promise<Subscription>;
}
