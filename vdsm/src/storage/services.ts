/**
 * What the API sees of the storage layer: five narrow services, one per concern, each an interface of verbs with
 * no sub-objects to reach into. `api/` handler tables take the one (or two) they need; only main.ts holds all five.
 */
import type { StorageDomainStats, StoragePoolFullInfo } from '../schema/api-types.generated.js';
import type { ConnectionParams, ConnectionStatus } from './connection/storage-server.js';
import type { DomainInfo } from './domain/file-domain.js';
import type { VolumeAllocationName, VolumeFormatName } from './metadata/volume-metadata.js';
import type { DomainVitals } from './monitor/domain-monitor.js';
import type { ConnectPoolParams, CreatePoolParams, ReconstructMasterParams } from './pool/pool-service.js';
import type { SpmStatus } from './pool/spm.js';
import type { TaskDetailsWire, TaskStatusWire } from './task/task-manager.js';
import type { VolumeInfo } from './volume/file-volume.js';
import type { QemuImageInfo } from './volume/qemu-img.js';

export type { ConnectionParams, ConnectionStatus } from './connection/storage-server.js';
export type { ConnectPoolParams, CreatePoolParams, ReconstructMasterParams } from './pool/pool-service.js';

/** StoragePool.connectStorageServer / disconnectStorageServer. */
export interface StorageConnections {
  connect(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]>;
  disconnect(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]>;
}

export interface CreateDomainRequest {
  readonly sdUUID: string;
  readonly domainType: number | string;
  readonly remotePath: string;
  readonly name: string;
  readonly domainClass: number | string;
  readonly version: number | null;
  readonly blockSize: number;
}

export interface DomainFilter {
  readonly spUUID?: string | null;
  readonly domainClass?: string | null;
  readonly storageType?: string | null;
  readonly remotePath?: string | null;
}

/** StorageDomain verbs that need no pool membership change, Host.getStorageDomains and the monitor's vitals. */
export interface StorageDomains {
  create(req: CreateDomainRequest): Promise<void>;
  info(sdUUID: string): Promise<DomainInfo>;
  stats(sdUUID: string): Promise<StorageDomainStats>;
  list(filter: DomainFilter): Promise<string[]>;
  format(sdUUID: string, autoDetach: boolean): Promise<void>;
  setDescription(sdUUID: string, description: string): Promise<void>;
  images(sdUUID: string): Promise<string[]>;
  /** Volumes of one image; with the blank UUID, of every image of the domain. */
  volumes(sdUUID: string, imgUUID: string): Promise<string[]>;
  /** Host.getStorageRepoStats / Host.getStats: the monitor's vitals (all domains for an empty filter). */
  repoStats(domains: readonly string[]): Record<string, DomainVitals>;
  /** Monitors a domain outside any pool and joins its lockspace with `hostId` (hosted engine). */
  startMonitoring(sdUUID: string, hostId: number): void;
  stopMonitoring(sdUUID: string): Promise<void>;
}

export type PoolInfo = StoragePoolFullInfo;

/** The pool this host is connected to, its membership changes and the SPM role. */
export interface StoragePools {
  create(params: CreatePoolParams): Promise<void>;
  connect(params: ConnectPoolParams): Promise<void>;
  disconnect(spUUID: string): Promise<void>;
  refresh(spUUID: string, masterSdUUID: string, masterVersion: number): Promise<void>;
  reconstructMaster(params: ReconstructMasterParams): Promise<void>;
  /** An SPM task; returns its id. */
  switchMaster(spUUID: string, oldMasterUUID: string, newMasterUUID: string, masterVersion: number): Promise<string>;
  info(spUUID: string): Promise<PoolInfo>;
  setDescription(spUUID: string, description: string): Promise<void>;
  attach(spUUID: string, sdUUID: string): Promise<void>;
  activate(spUUID: string, sdUUID: string): Promise<void>;
  deactivate(spUUID: string, sdUUID: string, masterSdUUID: string): Promise<void>;
  detach(spUUID: string, sdUUID: string, force: boolean): Promise<void>;
  connectedPools(): string[];
  /** An asynchronous task; the role is SPM once it has finished. Returns its id. */
  spmStart(spUUID: string): Promise<string>;
  spmStop(spUUID: string): Promise<void>;
  spmStatus(spUUID: string): Promise<SpmStatus>;
  domainsContainingImage(spUUID: string, imgUUID: string): Promise<string[]>;
}

export interface CreateVolumeRequest {
  readonly spUUID: string;
  readonly sdUUID: string;
  readonly imgUUID: string;
  readonly volUUID: string;
  readonly size: number;
  readonly format: VolumeFormatName;
  readonly allocation: VolumeAllocationName;
  readonly diskType: string;
  readonly description: string;
  readonly srcVolUUID: string;
  readonly legal: boolean;
  readonly sequence: number;
}

export interface VolumeRef {
  readonly spUUID: string;
  readonly sdUUID: string;
  readonly imgUUID: string;
  readonly volUUID: string;
}

/** Volume and Image verbs on the connected pool's domains (changes are SPM tasks). */
export interface StorageVolumes {
  /** An SPM task; returns its id. */
  create(req: CreateVolumeRequest): Promise<string>;
  info(ref: VolumeRef): Promise<VolumeInfo>;
  /** An SPM task; returns its id. */
  delete(ref: VolumeRef): Promise<string>;
  /** An SPM task; returns its id. */
  extend(ref: VolumeRef, newSize: number): Promise<string>;
  /** Volume.setDescription / setLegality (SPM). */
  update(ref: VolumeRef, change: { description?: string; legality?: 'LEGAL' | 'ILLEGAL' | 'FAKE' }): Promise<void>;
  qemuInfo(ref: VolumeRef): Promise<QemuImageInfo>;
  size(ref: VolumeRef): Promise<{ apparentsize: number; truesize: number }>;
  /** Image.delete: an SPM task; returns its id. */
  deleteImage(spUUID: string, sdUUID: string, imgUUID: string): Promise<string>;
  /** Image.prepare: the path a VM's disk uses. */
  prepareImage(ref: VolumeRef, allowIllegal: boolean): Promise<{ path: string }>;
  teardownImage(sdUUID: string, imgUUID: string): Promise<void>;
}

/** Task and Host task verbs. */
export interface StorageTasks {
  status(taskId: string): TaskStatusWire;
  info(taskId: string): { id: string; verb: string };
  stop(taskId: string): void;
  clear(taskId: string): Promise<void>;
  revert(taskId: string): Promise<void>;
  /** Resolves once the task has ended (whatever its result). */
  wait(taskId: string): Promise<void>;
  allStatuses(): Record<string, TaskStatusWire>;
  allInfo(): Record<string, { id: string; verb: string }>;
  allDetails(): Record<string, TaskDetailsWire>;
}

/** The five services, as main.ts builds them; close() releases the SPM role, host ids and the sanlock session. */
export interface StorageServices {
  readonly connections: StorageConnections;
  readonly domains: StorageDomains;
  readonly pools: StoragePools;
  readonly volumes: StorageVolumes;
  readonly tasks: StorageTasks;
  close(): Promise<void>;
}
