/** The raw shape of the compiled addon (build/Release/libvirt.node). Only the facade uses these. */
import type { RawEvent } from './events.js';
import type {
  BlockInfo,
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

export type TypedParamTuple =
  | [name: string, type: 'int' | 'uint' | 'llong' | 'ullong' | 'double', value: number]
  | [name: string, type: 'boolean', value: boolean]
  | [name: string, type: 'string', value: string];

type Opt = string | null;

export interface NativeDomain {
  getName(): string;
  getUUID(): string;
  getID(): number;
  create(flags: number): Promise<number>;
  destroy(flags: number): Promise<number>;
  shutdown(flags: number): Promise<number>;
  reboot(flags: number): Promise<number>;
  suspend(): Promise<number>;
  resume(): Promise<number>;
  undefine(flags: number): Promise<number>;
  getXMLDesc(flags: number): Promise<string>;
  getState(): Promise<DomainStateInfo>;
  getInfo(): Promise<DomainInfo>;
  getMetadata(type: number, uri: Opt, flags: number): Promise<string>;
  setMetadata(type: number, metadata: Opt, key: Opt, uri: Opt, flags: number): Promise<number>;
  attachDevice(xml: string, flags: number): Promise<number>;
  detachDevice(xml: string, flags: number): Promise<number>;
  updateDevice(xml: string, flags: number): Promise<number>;
  setMemory(kib: number, flags: number): Promise<number>;
  setVcpus(n: number, flags: number): Promise<number>;
  setBlockIoTune(disk: string, params: TypedParamTuple[], flags: number): Promise<number>;
  getBlockIoTune(disk: string, flags: number): Promise<TypedParams>;
  isActive(): Promise<boolean>;
  isPersistent(): Promise<boolean>;
  abortJob(flags: number): Promise<number>;
  qemuAgentCommand(cmd: string, timeout: number, flags: number): Promise<string>;
  getGuestInfo(types: number, flags: number): Promise<TypedParams>;
  blockStats(disk: string, flags: number): Promise<BlockStats>;
  interfaceStats(device: string): Promise<InterfaceStats>;
  memoryStats(flags: number): Promise<MemoryStats>;
  blockInfo(disk: string, flags: number): Promise<BlockInfo>;
  blockResize(disk: string, size: number, flags: number): Promise<number>;
  getJobInfo(): Promise<JobInfo>;
  getJobStats(flags: number): Promise<JobStats>;
  migrateToURI3(dconnuri: Opt, params: TypedParamTuple[], flags: number): Promise<number>;
  migrateSetMaxDowntime(ms: number, flags: number): Promise<number>;
  migrateSetMaxSpeed(mibps: number, flags: number): Promise<number>;
  migrateGetMaxSpeed(flags: number): Promise<number>;
  migrateStartPostCopy(flags: number): Promise<number>;
  snapshotCreateXML(xml: string, flags: number): Promise<string>;
  listSnapshots(flags: number): Promise<string[]>;
  snapshotGetXMLDesc(name: string, flags: number): Promise<string>;
  snapshotDelete(name: string, flags: number): Promise<void>;
  snapshotCurrent(): Promise<string | null>;
  blockCommit(disk: string, base: Opt, top: Opt, bandwidth: number, flags: number): Promise<number>;
  blockPull(disk: string, bandwidth: number, flags: number): Promise<number>;
  blockCopy(disk: string, destXml: string, params: TypedParamTuple[], flags: number): Promise<number>;
  blockJobInfo(disk: string, flags: number): Promise<BlockJobInfo | null>;
  blockJobAbort(disk: string, flags: number): Promise<number>;
}

/** The addon's connection methods outside CONNECTION_CALLS (those are reached by name through the table). */
export interface NativeConnection {
  close(): Promise<void>;
  isAlive(): boolean;
  isReadOnly(): boolean;
  setKeepAlive(interval: number, count: number): Promise<number>;
  domainEventRegister(eventId: number, domain: NativeDomain | null, token: number): Promise<number>;
  domainEventDeregister(callbackId: number): Promise<void>;
}

export interface LibvirtAddon {
  open(uri: string | null, flags: number, dispatch: (event: RawEvent) => void): Promise<NativeConnection>;
  setErrorClass(cls: new (message: string, code: number, domain: number) => Error): void;
  /** LIBVIR_VERSION_NUMBER the addon was compiled against */
  libVersion: number;
}
