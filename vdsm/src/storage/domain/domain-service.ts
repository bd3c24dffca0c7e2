/**
 * StorageDomains: file domains on connected storage (create, read, format, describe, list), their images and
 * volumes by name, and the monitor's vitals. Membership changes belong to the pool service.
 */

import { VdsmError } from '../../errors/vdsm-error.js';
import type { StorageDomainStats } from '../../schema/api-types.generated.js';
import { fileDomainType } from '../connection/connection-service.js';
import { describeConnection } from '../connection/storage-server.js';
import { BLANK_UUID, DEFAULT_DOMAIN_VERSION, DOMAIN_CLASSES, isUuid } from '../constants.js';
import type { DomainMonitor, DomainVitals } from '../monitor/domain-monitor.js';
import type { PoolService } from '../pool/pool-service.js';
import type { Sanlock } from '../sanlock/sanlock.js';
import type { CreateDomainRequest, DomainFilter, StorageDomains } from '../services.js';
import { imageVolumes, listImages } from '../volume/file-volume.js';
import type { DomainFinder } from './domain-finder.js';
import { type DomainInfo, FileStorageDomain } from './file-domain.js';

export interface DomainServiceOptions {
  readonly repository: string;
  readonly finder: DomainFinder;
  readonly monitor: DomainMonitor;
  readonly sanlock: Sanlock;
  /** Which domains the connected pool holds, and whether we are its SPM. */
  readonly pools: Pick<PoolService, 'inConnectedPool' | 'connectedPools' | 'assertSpm'>;
}

export class DomainService implements StorageDomains {
  constructor(private readonly options: DomainServiceOptions) {}

  async create(req: CreateDomainRequest): Promise<void> {
    const type = fileDomainType(req.domainType);
    const domainClass = DOMAIN_CLASSES.get(req.domainClass);
    if (domainClass === undefined) throw new VdsmError('StorageDomainClassError', String(req.domainClass));
    if (req.blockSize !== 512 && req.blockSize !== 4096)
      throw new VdsmError('InvalidParameterException', `block_size=${req.blockSize}`);
    if (!isUuid(req.sdUUID)) throw new VdsmError('InvalidParameterException', `sdUUID=${req.sdUUID}`);
    const { finder } = this.options;
    if ((await finder.scan()).has(req.sdUUID)) throw new VdsmError('StorageDomainAlreadyExists', req.sdUUID);
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
      this.options.sanlock,
    );
  }

  async info(sdUUID: string): Promise<DomainInfo> {
    return (await this.options.finder.get(sdUUID, true)).info();
  }

  async stats(sdUUID: string): Promise<StorageDomainStats> {
    const space = await (await this.options.finder.get(sdUUID, true)).space();
    // Upstream sends the byte counts as strings.
    return {
      disktotal: String(space.disktotal),
      diskfree: String(space.diskfree),
      mdasize: 0,
      mdafree: 0,
      mdavalid: true,
      mdathreshold: true,
    };
  }

  /** Host.getStorageDomains: domains on connected storage, filtered like upstream. */
  async list(filter: DomainFilter): Promise<string[]> {
    const all = await this.options.finder.all();
    return all
      .filter((d) => filter.spUUID == null || filter.spUUID === BLANK_UUID || d.pools.includes(filter.spUUID))
      .filter((d) => filter.domainClass == null || d.domainClass === filter.domainClass)
      .filter((d) => filter.storageType == null || d.type === filter.storageType)
      .filter((d) => filter.remotePath == null || d.metadata.REMOTE_PATH === filter.remotePath)
      .map((d) => d.sdUUID);
  }

  /** StorageDomain.format: only a domain no pool holds (autoDetach clears a stale pool reference). */
  async format(sdUUID: string, autoDetach: boolean): Promise<void> {
    const domain = await this.options.finder.get(sdUUID, true);
    if (this.options.pools.inConnectedPool(sdUUID))
      throw new VdsmError('CannotFormatStorageDomainInConnectedPool', sdUUID);
    if (domain.pools.length > 0 && !autoDetach) throw new VdsmError('CannotFormatAttachedStorageDomain', sdUUID);
    await domain.remove();
    this.options.finder.forget(sdUUID);
  }

  /** StorageDomain.setDescription: the SPM's job once the domain is in a pool. */
  async setDescription(sdUUID: string, description: string): Promise<void> {
    const domain = await this.options.finder.get(sdUUID, true);
    const connected = this.options.pools.connectedPools();
    for (const spUUID of domain.pools) if (connected.includes(spUUID)) this.options.pools.assertSpm(spUUID);
    if (description.length > 50)
      throw new VdsmError('StorageDomainDescriptionTooLongError', `${description.length} characters`);
    await domain.updateMetadata({ DESCRIPTION: description });
  }

  async images(sdUUID: string): Promise<string[]> {
    return listImages(await this.options.finder.get(sdUUID, true));
  }

  async volumes(sdUUID: string, imgUUID: string): Promise<string[]> {
    const domain = await this.options.finder.get(sdUUID, true);
    if (imgUUID !== BLANK_UUID) return imageVolumes(domain, imgUUID);
    const all: string[] = [];
    for (const img of await listImages(domain)) all.push(...(await imageVolumes(domain, img)));
    return all;
  }

  repoStats(domains: readonly string[]): Record<string, DomainVitals> {
    return this.options.monitor.allVitals(domains);
  }

  /** Host.startMonitoringDomain (hsm.py): monitoring and the host id without a pool, for hosted engine's broker. */
  startMonitoring(sdUUID: string, hostId: number): void {
    this.options.monitor.start(sdUUID, hostId, false);
  }

  /** Host.stopMonitoringDomain: a domain the pool monitors stays monitored (StorageDomainIsMemberOfPool). */
  async stopMonitoring(sdUUID: string): Promise<void> {
    if (this.options.monitor.poolDomains().includes(sdUUID)) throw new VdsmError('StorageDomainIsMemberOfPool', sdUUID);
    await this.options.monitor.stop(sdUUID);
  }
}
