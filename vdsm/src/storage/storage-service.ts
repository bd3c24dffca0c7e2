/**
 * The storage services vdsmd's API talks to, built once from the configuration: connections, domains, the
 * connected pool and its SPM role, tasks, monitoring, volumes and images. Each part lives in its own module; this
 * file only wires them and checks the preconditions shared by several verbs.
 */
import { lstat, mkdir, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@vdsm-ts/common/logging';
import { VdsmError } from '../errors/vdsm-error.js';
import {
  type ConnectionParams,
  type ConnectionStatus,
  describeConnection,
  type Mounter,
  StorageServerConnections,
} from './connection/storage-server.js';
import {
  BLANK_UUID,
  DEFAULT_DOMAIN_VERSION,
  DOMAIN_CLASSES,
  type DomainTypeName,
  domainTypeName,
  FILE_DOMAIN_TYPES,
  isUuid,
} from './constants.js';
import { DomainFinder } from './domain/domain-finder.js';
import { type DomainInfo, FileStorageDomain } from './domain/file-domain.js';
import type { VolumeAllocationName, VolumeFormatName } from './metadata/volume-metadata.js';
import { DomainMonitor, type DomainVitals } from './monitor/domain-monitor.js';
import { PoolService } from './pool/pool-service.js';
import type { SpmStatus } from './pool/spm.js';
import { SanlockSession } from './sanlock/session.js';
import { TaskManager } from './task/task-manager.js';
import {
  createFileVolume,
  deleteFileImage,
  deleteFileVolume,
  extendFileVolume,
  fileVolumeInfo,
  fileVolumeSize,
  imageVolumes,
  listImages,
  readVolumeMetadata,
  removeFileVolume,
  setVolumeRole,
  updateVolumeMetadata,
  type VolumeInfo,
  volumePaths,
} from './volume/file-volume.js';
import { type QemuImageInfo, qemuImgInfo } from './volume/qemu-img.js';

export interface StorageServiceOptions {
  readonly repository: string;
  /** Runtime image links: `<runDir>/<sdUUID>/<imgUUID>` (upstream /run/vdsm/storage). */
  readonly runDir: string;
  readonly mounter: Mounter;
  /** SANLOCK_RUN_DIR of the sanlock daemon; undefined = the system one. */
  readonly sanlockRunDir?: string;
  readonly sanlockIoTimeout: number;
  readonly monitorIntervalMs: number;
  readonly spmWatchdogIntervalMs: number;
  readonly log: Logger;
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

function typeOf(value: number | string): DomainTypeName {
  const name = typeof value === 'number' ? domainTypeName(value) : (value as DomainTypeName);
  if (name === undefined || !FILE_DOMAIN_TYPES.has(name === ('SHAREDFS' as string) ? 'POSIXFS' : name))
    throw new VdsmError('StorageDomainTypeError', `domain type ${String(value)} is not implemented`);
  return name === ('SHAREDFS' as string) ? 'POSIXFS' : name;
}

export class StorageService {
  readonly connections: StorageServerConnections;
  readonly finder: DomainFinder;
  readonly sanlock: SanlockSession;
  readonly monitor: DomainMonitor;
  readonly tasks: TaskManager;
  readonly pools: PoolService;

  constructor(private readonly options: StorageServiceOptions) {
    this.connections = new StorageServerConnections(options.repository, options.mounter);
    this.finder = new DomainFinder(options.repository);
    this.sanlock = new SanlockSession({ runDir: options.sanlockRunDir, ioTimeout: options.sanlockIoTimeout });
    this.monitor = new DomainMonitor({
      finder: this.finder,
      sanlock: this.sanlock,
      intervalMs: options.monitorIntervalMs,
      log: options.log,
    });
    this.tasks = new TaskManager({ log: options.log });
    this.pools = new PoolService({
      repository: options.repository,
      finder: this.finder,
      monitor: this.monitor,
      spm: {
        sanlock: this.sanlock,
        monitor: this.monitor,
        tasks: this.tasks,
        watchdogIntervalMs: options.spmWatchdogIntervalMs,
        log: options.log,
      },
    });
    this.tasks.registerRecovery('volume.remove', async (p) => {
      const domain = await this.finder.get(String(p.sdUUID), true);
      await removeFileVolume(domain, String(p.imgUUID), String(p.volUUID));
    });
    this.tasks.registerRecovery('volume.setLeaf', async (p) => {
      const domain = await this.finder.get(String(p.sdUUID), true);
      await setVolumeRole(domain, String(p.imgUUID), String(p.volUUID), 'LEAF');
    });
  }

  // ---- connections ----
  connectStorageServer(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return this.connections.connectAll(typeOf(domainType), list);
  }

  disconnectStorageServer(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return this.connections.disconnectAll(typeOf(domainType), list);
  }

  // ---- domains ----
  async createDomain(req: CreateDomainRequest): Promise<void> {
    const type = typeOf(req.domainType);
    const domainClass = DOMAIN_CLASSES.get(req.domainClass);
    if (domainClass === undefined) throw new VdsmError('StorageDomainClassError', String(req.domainClass));
    if (req.blockSize !== 512 && req.blockSize !== 4096)
      throw new VdsmError('InvalidParameterException', `block_size=${req.blockSize}`);
    if (!isUuid(req.sdUUID)) throw new VdsmError('InvalidParameterException', `sdUUID=${req.sdUUID}`);
    if ((await this.finder.scan()).has(req.sdUUID)) throw new VdsmError('StorageDomainAlreadyExists', req.sdUUID);
    const conn = describeConnection(type, this.options.repository, {
      connection: req.remotePath,
      vfs_type: type === 'POSIXFS' ? 'posixfs' : undefined,
    });
    await FileStorageDomain.create(
      {
        mountPoint: conn.localPath,
        sdUUID: req.sdUUID,
        type,
        domainClass,
        description: req.name,
        version: req.version ?? DEFAULT_DOMAIN_VERSION,
        remotePath: conn.remotePath,
        blockSize: req.blockSize,
      },
      this.sanlock.cli,
    );
  }

  async domainInfo(sdUUID: string): Promise<DomainInfo> {
    return (await this.finder.get(sdUUID, true)).info();
  }

  async domainStats(sdUUID: string): Promise<Record<string, number | boolean>> {
    const space = await (await this.finder.get(sdUUID, true)).space();
    return { ...space, mdasize: 0, mdafree: 0, mdavalid: true, mdathreshold: true };
  }

  /** Host.getStorageDomains: domains on connected storage, filtered like upstream. */
  async listDomains(filter: {
    spUUID?: string | null;
    domainClass?: string | null;
    storageType?: string | null;
    remotePath?: string | null;
  }): Promise<string[]> {
    const all = await this.finder.all();
    return all
      .filter((d) => filter.spUUID == null || filter.spUUID === BLANK_UUID || d.pools.includes(filter.spUUID))
      .filter((d) => filter.domainClass == null || d.domainClass === filter.domainClass)
      .filter((d) => filter.storageType == null || d.type === filter.storageType)
      .filter((d) => filter.remotePath == null || d.metadata.REMOTE_PATH === filter.remotePath)
      .map((d) => d.sdUUID);
  }

  /** StorageDomain.format: only a domain no pool holds (autoDetach clears a stale pool reference). */
  async formatDomain(sdUUID: string, autoDetach: boolean): Promise<void> {
    const domain = await this.finder.get(sdUUID, true);
    if (this.pools.inConnectedPool(sdUUID)) throw new VdsmError('CannotFormatStorageDomainInConnectedPool', sdUUID);
    if (domain.pools.length > 0 && !autoDetach) throw new VdsmError('CannotFormatAttachedStorageDomain', sdUUID);
    await domain.remove();
    this.finder.forget(sdUUID);
  }

  // ---- pool / SPM ----
  spmStatus(spUUID: string): Promise<SpmStatus> {
    return this.pools.spm(spUUID).status();
  }

  repoStats(domains: readonly string[]): Record<string, DomainVitals> {
    return this.monitor.allVitals(domains);
  }

  // ---- volumes and images (SPM tasks) ----
  private async poolDomain(spUUID: string, sdUUID: string): Promise<FileStorageDomain> {
    this.pools.connected(spUUID);
    const domain = await this.finder.get(sdUUID, true);
    if (!domain.pools.includes(spUUID))
      throw new VdsmError('StorageDomainNotInPool', `domain=${sdUUID}, pool=${spUUID}`);
    return domain;
  }

  /** Volume.create: an SPM task; returns its id. */
  async createVolume(req: CreateVolumeRequest): Promise<string> {
    const tasksDir = this.pools.tasksDir(req.spUUID);
    const domain = await this.poolDomain(req.spUUID, req.sdUUID);
    return this.tasks.start(
      'createVolume',
      async (ctx) => {
        if (req.srcVolUUID !== BLANK_UUID) {
          await ctx.addRecovery({
            name: 'volume.setLeaf',
            params: { sdUUID: req.sdUUID, imgUUID: req.imgUUID, volUUID: req.srcVolUUID },
          });
        }
        await ctx.addRecovery({
          name: 'volume.remove',
          params: { sdUUID: req.sdUUID, imgUUID: req.imgUUID, volUUID: req.volUUID },
        });
        ctx.checkAborted();
        await createFileVolume(
          domain,
          {
            imgUUID: req.imgUUID,
            volUUID: req.volUUID,
            capacity: req.size,
            format: req.format,
            allocation: req.allocation,
            diskType: req.diskType,
            description: req.description,
            parentUUID: req.srcVolUUID,
            legal: req.legal,
            sequence: req.sequence,
          },
          this.sanlock.cli,
        );
      },
      { persistDir: tasksDir },
    );
  }

  async volumeInfo(spUUID: string, sdUUID: string, imgUUID: string, volUUID: string): Promise<VolumeInfo> {
    return fileVolumeInfo(await this.poolDomain(spUUID, sdUUID), imgUUID, volUUID);
  }

  /** Image.delete: an SPM task; returns its id. */
  async deleteImage(spUUID: string, sdUUID: string, imgUUID: string): Promise<string> {
    const tasksDir = this.pools.tasksDir(spUUID);
    const domain = await this.poolDomain(spUUID, sdUUID);
    await imageVolumes(domain, imgUUID);
    return this.tasks.start('deleteImage', () => deleteFileImage(domain, imgUUID), { persistDir: tasksDir });
  }

  /** Volume.delete: an SPM task; returns its id. */
  async deleteVolume(spUUID: string, sdUUID: string, imgUUID: string, volUUID: string): Promise<string> {
    const tasksDir = this.pools.tasksDir(spUUID);
    const domain = await this.poolDomain(spUUID, sdUUID);
    await readVolumeMetadata(domain, imgUUID, volUUID);
    return this.tasks.start('deleteVolume', () => deleteFileVolume(domain, imgUUID, volUUID), { persistDir: tasksDir });
  }

  /** Volume.extendSize: an SPM task; returns its id. */
  async extendVolume(
    spUUID: string,
    sdUUID: string,
    imgUUID: string,
    volUUID: string,
    newSize: number,
  ): Promise<string> {
    const tasksDir = this.pools.tasksDir(spUUID);
    const domain = await this.poolDomain(spUUID, sdUUID);
    await readVolumeMetadata(domain, imgUUID, volUUID);
    return this.tasks.start('extendVolumeSize', () => extendFileVolume(domain, imgUUID, volUUID, newSize), {
      persistDir: tasksDir,
    });
  }

  /** Volume.setDescription / Volume.setLegality (SPM). */
  async updateVolume(
    spUUID: string,
    sdUUID: string,
    imgUUID: string,
    volUUID: string,
    change: { description?: string; legality?: 'LEGAL' | 'ILLEGAL' | 'FAKE' },
  ): Promise<void> {
    this.pools.spm(spUUID).assertSpm();
    await updateVolumeMetadata(await this.poolDomain(spUUID, sdUUID), imgUUID, volUUID, change);
  }

  async volumeQemuInfo(spUUID: string, sdUUID: string, imgUUID: string, volUUID: string): Promise<QemuImageInfo> {
    const domain = await this.poolDomain(spUUID, sdUUID);
    await readVolumeMetadata(domain, imgUUID, volUUID);
    return qemuImgInfo(volumePaths(domain, imgUUID, volUUID).data);
  }

  async volumeSize(
    spUUID: string,
    sdUUID: string,
    imgUUID: string,
    volUUID: string,
  ): Promise<{ apparentsize: number; truesize: number }> {
    return fileVolumeSize(await this.poolDomain(spUUID, sdUUID), imgUUID, volUUID);
  }

  /** StorageDomain.setDescription: the SPM's job once the domain is in a pool. */
  async setDomainDescription(sdUUID: string, description: string): Promise<void> {
    const domain = await this.finder.get(sdUUID, true);
    for (const spUUID of domain.pools)
      if (this.pools.connectedPools().includes(spUUID)) this.pools.spm(spUUID).assertSpm();
    if (description.length > 50)
      throw new VdsmError('StorageDomainDescriptionTooLongError', `${description.length} characters`);
    await domain.updateMetadata({ DESCRIPTION: description });
  }

  /** StoragePool.getDomainsContainingImage: active pool domains that have the image. */
  async domainsContainingImage(spUUID: string, imgUUID: string): Promise<string[]> {
    const out: string[] = [];
    for (const sdUUID of this.pools.activeDomains(spUUID)) {
      const domain = await this.finder.get(sdUUID).catch(() => null);
      if (domain !== null && (await listImages(domain)).includes(imgUUID)) out.push(sdUUID);
    }
    return out;
  }

  async images(sdUUID: string): Promise<string[]> {
    return listImages(await this.finder.get(sdUUID, true));
  }

  /** Volumes of one image; with the blank UUID, of every image of the domain. */
  async volumes(sdUUID: string, imgUUID: string): Promise<string[]> {
    const domain = await this.finder.get(sdUUID, true);
    if (imgUUID !== BLANK_UUID) return imageVolumes(domain, imgUUID);
    const all: string[] = [];
    for (const img of await listImages(domain)) all.push(...(await imageVolumes(domain, img)));
    return all;
  }

  /** Image.prepare: links the image under the run directory and returns the path a VM's disk uses. */
  async prepareImage(
    spUUID: string,
    sdUUID: string,
    imgUUID: string,
    volUUID: string,
    allowIllegal: boolean,
  ): Promise<{ path: string }> {
    const domain = await this.poolDomain(spUUID, sdUUID);
    const md = await readVolumeMetadata(domain, imgUUID, volUUID);
    if (md.legality !== 'LEGAL' && !allowIllegal) throw new VdsmError('prepareIllegalVolumeError', volUUID);
    const linkDir = join(this.options.runDir, sdUUID);
    await mkdir(linkDir, { recursive: true, mode: 0o755 });
    const link = join(linkDir, imgUUID);
    const target = domain.layout.image(imgUUID);
    await unlink(link).catch(() => {});
    await symlink(target, link);
    await lstat(volumePaths(domain, imgUUID, volUUID).data);
    return { path: join(link, volUUID) };
  }

  async teardownImage(sdUUID: string, imgUUID: string): Promise<void> {
    await rm(join(this.options.runDir, sdUUID, imgUUID), { force: true });
  }

  async close(): Promise<void> {
    await this.pools.close();
    this.sanlock.close();
  }
}
