/**
 * Storage pools (storage/sp.py, hsm.py): create a pool on its master domain, connect this host to it (pool links
 * under the repository, domain monitors, host ids), and the SPM-only membership changes (attach, activate,
 * deactivate, detach). A host is connected to at most one pool.
 */

import { cp, mkdir, readdir, readlink, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VdsmError } from '../../errors/vdsm-error.js';
import type { StoragePoolDomainInfo, StoragePoolFullInfo, StoragePoolInfo } from '../../schema/api-types.generated.js';
import { type DomainStatus, isUuid, MAX_DESCRIPTION_LENGTH, MAX_HOST_ID } from '../constants.js';
import type { DomainFinder } from '../domain/domain-finder.js';
import type { FileStorageDomain } from '../domain/file-domain.js';
import type { DomainMonitor } from '../monitor/domain-monitor.js';
import type { StoragePools } from '../services.js';
import { listImages } from '../volume/file-volume.js';
import { formatPoolDomains, normalizeStatus, type PoolDomains, parsePoolDomains } from './pool-domains.js';
import { Spm, type SpmOptions, type SpmStatus } from './spm.js';

export interface CreatePoolParams {
  readonly spUUID: string;
  readonly name: string;
  readonly masterSdUUID: string;
  readonly masterVersion: number;
  readonly domainList: readonly string[];
  readonly leaseParams?: Readonly<Record<string, number>>;
}

export interface ConnectPoolParams {
  readonly spUUID: string;
  readonly hostId: number;
  readonly masterSdUUID: string;
  readonly masterVersion: number;
  readonly domainDict: Readonly<Record<string, string>> | null;
}

export interface ReconstructMasterParams {
  readonly spUUID: string;
  readonly hostId: number;
  readonly name: string;
  readonly masterSdUUID: string;
  readonly masterVersion: number;
  readonly domainDict: Readonly<Record<string, string>>;
  readonly leaseParams?: Readonly<Record<string, number>>;
}

interface ConnectedPool {
  readonly spUUID: string;
  readonly hostId: number;
  masterSdUUID: string;
  masterVersion: number;
  domains: PoolDomains;
  readonly spm: Spm;
}

export interface PoolServiceOptions {
  readonly repository: string;
  readonly finder: DomainFinder;
  readonly monitor: DomainMonitor;
  readonly spm: SpmOptions;
}

const LEASE_KEYS: Readonly<Record<string, string>> = {
  lockRenewalIntervalSec: 'LOCKRENEWALINTERVALSEC',
  leaseTimeSec: 'LEASETIMESEC',
  ioOpTimeoutSec: 'IOOPTIMEOUTSEC',
  leaseRetries: 'LEASERETRIES',
};

export class PoolService implements StoragePools {
  private pool: ConnectedPool | null = null;

  constructor(private readonly options: PoolServiceOptions) {}

  private async domain(sdUUID: string): Promise<FileStorageDomain> {
    return this.options.finder.get(sdUUID, true);
  }

  /** StoragePool.create: makes `masterSdUUID` the master of a new pool holding `domainList`. */
  async create(params: CreatePoolParams): Promise<void> {
    const { spUUID, masterSdUUID } = params;
    if (!isUuid(spUUID)) throw new VdsmError('InvalidParameterException', `spUUID=${spUUID}`);
    if (params.name.length > MAX_DESCRIPTION_LENGTH)
      throw new VdsmError('StoragePoolCreationError', 'pool description is too long');
    if (!params.domainList.includes(masterSdUUID))
      throw new VdsmError('StoragePoolCreationError', `master ${masterSdUUID} is not in the domain list`);
    const domains: FileStorageDomain[] = [];
    for (const sdUUID of params.domainList) domains.push(await this.domain(sdUUID));
    const master = domains.find((d) => d.sdUUID === masterSdUUID)!;
    if (master.domainClass === 'Iso') throw new VdsmError('IsoCannotBeMasterDomain', masterSdUUID);
    if (master.domainClass === 'Backup') throw new VdsmError('BackupCannotBeMasterDomain', masterSdUUID);
    for (const d of domains) {
      if (d.pools.includes(spUUID) && d.role === 'Master') throw new VdsmError('StoragePoolAlreadyExists', spUUID);
      if (d.pools.length > 0)
        throw new VdsmError('StorageDomainAlreadyAttached', `domain=${d.sdUUID}, pool=${d.pools[0]}`);
    }
    const poolDomains: PoolDomains = new Map(
      domains.map((d) => [d.sdUUID, d.sdUUID === masterSdUUID ? 'Active' : 'Attached'] as const),
    );
    const changed: FileStorageDomain[] = [];
    try {
      for (const d of domains.filter((x) => x !== master)) {
        await d.updateMetadata({ POOL_UUID: spUUID });
        changed.push(d);
      }
      await this.writeMaster(master, spUUID, params.name, params.masterVersion, poolDomains, params.leaseParams);
    } catch (error) {
      for (const d of changed) await d.updateMetadata({ POOL_UUID: '' }).catch(() => {});
      throw error;
    }
  }

  /**
   * The master role on `master` (sp.py createMaster + initMaster): master/{vms,tasks}, then one atomic metadata
   * write with ROLE=Master, the pool keys and the lease parameters.
   */
  private async writeMaster(
    master: FileStorageDomain,
    spUUID: string,
    name: string,
    masterVersion: number,
    domains: PoolDomains,
    leaseParams: Readonly<Record<string, number>> | undefined,
  ): Promise<void> {
    const lease: Record<string, string> = {};
    for (const [param, key] of Object.entries(LEASE_KEYS)) {
      const value = leaseParams?.[param];
      if (value !== undefined && value > 0) lease[key] = String(value);
    }
    await master.ensureMasterDirs();
    await master.updateMetadata({
      ...lease,
      POOL_UUID: spUUID,
      ROLE: 'Master',
      MASTER_VERSION: String(masterVersion),
      POOL_DESCRIPTION: name,
      POOL_DOMAINS: formatPoolDomains(domains),
      POOL_SPM_ID: '-1',
      POOL_SPM_LVER: '-1',
    });
  }

  /**
   * StoragePool.reconstructMaster (hsm.py / sp.py reconstructMaster): when the master is lost, `masterSdUUID` becomes
   * the pool's master at `masterVersion` with `domainDict` as the domain map. Not on the SPM (IsSpm, 656); the new
   * master must be in `domainDict` (InvalidParameterException, 1000) and reachable (358). Our host id is acquired on
   * it first, as upstream does. Reachable old masters of the pool are demoted (ROLE=Regular, MASTER_VERSION=0, as
   * sp.py's link refresh does) so that only one domain claims the role; unreachable ones keep their stale metadata
   * and an older master version, which connect refuses (324).
   */
  async reconstructMaster(params: ReconstructMasterParams): Promise<void> {
    const { spUUID, masterSdUUID, hostId } = params;
    if (!isUuid(spUUID)) throw new VdsmError('InvalidParameterException', `spUUID=${spUUID}`);
    if (!Number.isInteger(hostId) || hostId < 1 || hostId > MAX_HOST_ID)
      throw new VdsmError('InvalidParameterException', `hostId=${hostId}`);
    if (!Number.isInteger(params.masterVersion) || params.masterVersion < 0)
      throw new VdsmError('InvalidParameterException', `masterVersion=${params.masterVersion}`);
    if (params.name.length > MAX_DESCRIPTION_LENGTH)
      throw new VdsmError('StoragePoolDescriptionTooLongError', `${params.name.length} characters`);
    if (this.pool?.spUUID === spUUID && this.pool.spm.isSpm) throw new VdsmError('IsSpm', spUUID);
    const domains: PoolDomains = new Map();
    for (const [sd, status] of Object.entries(params.domainDict)) {
      if (!isUuid(sd)) throw new VdsmError('InvalidParameterException', `domainDict: sdUUID=${sd}`);
      domains.set(sd, normalizeStatus(status));
    }
    if (!domains.has(masterSdUUID)) throw new VdsmError('InvalidParameterException', `masterDomain=${masterSdUUID}`);
    const master = await this.domain(masterSdUUID);
    if (master.domainClass === 'Iso') throw new VdsmError('IsoCannotBeMasterDomain', masterSdUUID);
    if (master.domainClass === 'Backup') throw new VdsmError('BackupCannotBeMasterDomain', masterSdUUID);
    // sp.py createMaster force-detaches the new master from any other pool (POOL_UUID becomes this pool alone)
    const foreign = master.pools.filter((p) => p !== spUUID);
    if (foreign.length > 0)
      this.options.spm.log.error(
        { sdUUID: masterSdUUID, pools: foreign },
        'force detaching the new master from other pools',
      );

    const monitoredBefore = this.options.monitor.monitored().includes(masterSdUUID);
    try {
      await this.options.monitor.acquireHostId(master, hostId);
      domains.set(masterSdUUID, 'Active');
      await this.writeMaster(master, spUUID, params.name, params.masterVersion, domains, params.leaseParams);
      await this.demoteOldMasters(spUUID, masterSdUUID, domains);
    } finally {
      const stillWanted = this.pool?.spUUID === spUUID && this.pool.domains.get(masterSdUUID) === 'Active';
      if (!monitoredBefore && !stillWanted) await this.options.monitor.stop(masterSdUUID);
    }
    this.options.finder.forget(masterSdUUID);
    const pool = this.pool?.spUUID === spUUID ? this.pool : null;
    if (pool !== null) {
      pool.masterSdUUID = masterSdUUID;
      pool.masterVersion = params.masterVersion;
      pool.domains = domains;
      this.masterCache = await this.domain(masterSdUUID);
    }
    await this.refreshLinks({ spUUID, masterSdUUID, domains });
  }

  /** Reachable domains that still claim the master role of `spUUID` become Regular (sd.py changeRole). */
  private async demoteOldMasters(spUUID: string, masterSdUUID: string, domains: PoolDomains): Promise<void> {
    for (const sd of domains.keys()) {
      if (sd === masterSdUUID) continue;
      const d = await this.options.finder.get(sd, true).catch(() => null);
      if (d === null || d.role !== 'Master' || !d.pools.includes(spUUID)) continue;
      await this.demote(d);
    }
  }

  /** sp.py _refreshDomainLinks: a pool domain that is not the master gets ROLE=Regular and MASTER_VERSION=0. */
  private async demote(d: FileStorageDomain): Promise<void> {
    await d.updateMetadata({ ROLE: 'Regular', MASTER_VERSION: '0' });
  }

  /**
   * StoragePool.switchMaster (sp.py switchMaster → masterMigrate), an SPM task: the master role moves from the
   * current master to an Active pool domain with a higher master version. The SDM lease moves with it (acquired on
   * the new master before the old one is released); master/ (vms, tasks) is copied over, then one atomic write makes
   * the new domain master, the links follow and the old master is demoted.
   */
  async switchMaster(
    spUUID: string,
    oldMasterUUID: string,
    newMasterUUID: string,
    masterVersion: number,
  ): Promise<string> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    for (const [name, value] of [
      ['oldMasterUUID', oldMasterUUID],
      ['newMasterUUID', newMasterUUID],
    ] as const)
      if (!isUuid(value)) throw new VdsmError('InvalidParameterException', `${name}=${value}`);
    if (!Number.isInteger(masterVersion))
      throw new VdsmError('InvalidParameterException', `masterVersion=${masterVersion}`);
    return this.options.spm.tasks.start('switchMaster', async () => {
      pool.spm.assertSpm();
      if (oldMasterUUID !== pool.masterSdUUID)
        throw new VdsmError('StoragePoolWrongMaster', `SD=${oldMasterUUID}, pool=${spUUID}`);
      if (newMasterUUID === oldMasterUUID)
        throw new VdsmError('InvalidParameterException', `newMasterUUID=${newMasterUUID}`);
      const status = this.member(pool, newMasterUUID);
      if (status !== 'Active') throw new VdsmError('StorageDomainNotActive', newMasterUUID);
      if (masterVersion <= pool.masterVersion)
        throw new VdsmError('StoragePoolWrongMaster', `masterVersion ${masterVersion} <= ${pool.masterVersion}`);
      const next = await this.domain(newMasterUUID);
      if (next.domainClass === 'Iso') throw new VdsmError('IsoCannotBeMasterDomain', newMasterUUID);
      if (next.domainClass === 'Backup') throw new VdsmError('BackupCannotBeMasterDomain', newMasterUUID);
      const current = await this.domain(oldMasterUUID);
      const name = current.metadata.POOL_DESCRIPTION ?? '';
      await pool.spm.moveLease(next, async () => {
        // no cruft from an earlier role on the new master, then the old master tree
        await rm(next.layout.master, { recursive: true, force: true });
        await cp(current.layout.master, next.layout.master, { recursive: true, preserveTimestamps: true });
        await this.writeMaster(next, spUUID, name, masterVersion, pool.domains, undefined);
      });
      pool.masterSdUUID = newMasterUUID;
      pool.masterVersion = masterVersion;
      this.masterCache = next;
      await this.refreshLinks(pool);
      // past the point of no return: the old master's demotion is cleanup (sp.py only logs its failures)
      await this.demote(current).catch((error: unknown) =>
        this.options.spm.log.error({ err: error, sdUUID: oldMasterUUID }, 'cannot demote the old master'),
      );
    });
  }

  /** The connected pool, or StoragePoolUnknown (309). */
  private connected(spUUID: string): ConnectedPool {
    if (this.pool === null || this.pool.spUUID !== spUUID) throw new VdsmError('StoragePoolUnknown', `('${spUUID}',)`);
    return this.pool;
  }

  /** Throws StoragePoolUnknown (309) unless `spUUID` is the connected pool. */
  assertConnected(spUUID: string): void {
    this.connected(spUUID);
  }

  connectedPools(): string[] {
    return this.pool === null ? [] : [this.pool.spUUID];
  }

  /** Throws StoragePoolUnknown (309) or SpmStatusError (654) unless this host is the pool's SPM. */
  assertSpm(spUUID: string): void {
    this.connected(spUUID).spm.assertSpm();
  }

  /** StoragePool.spmStart: an asynchronous task; returns its id. */
  spmStart(spUUID: string): Promise<string> {
    return this.connected(spUUID).spm.start();
  }

  /** StoragePool.spmStop: the SDM lease released. */
  spmStop(spUUID: string): Promise<void> {
    return this.connected(spUUID).spm.stop();
  }

  /** StoragePool.getSpmStatus: our role, or who holds the SDM lease. */
  spmStatus(spUUID: string): Promise<SpmStatus> {
    return this.connected(spUUID).spm.status();
  }

  /** StoragePool.getDomainsContainingImage: active pool domains that have the image. */
  async domainsContainingImage(spUUID: string, imgUUID: string): Promise<string[]> {
    const out: string[] = [];
    for (const sdUUID of this.activeDomains(spUUID)) {
      const domain = await this.options.finder.get(sdUUID).catch(() => null);
      if (domain !== null && (await listImages(domain)).includes(imgUUID)) out.push(sdUUID);
    }
    return out;
  }

  /** The master domain, checked to be the master of `spUUID` at `masterVersion`. */
  private async validMaster(spUUID: string, masterSdUUID: string, masterVersion: number): Promise<FileStorageDomain> {
    let master: FileStorageDomain;
    try {
      master = await this.domain(masterSdUUID);
    } catch (error) {
      if (error instanceof VdsmError && error.errorName === 'StorageDomainDoesNotExist')
        throw new VdsmError('StoragePoolMasterNotFound', `spUUID=${spUUID}, msdUUID=${masterSdUUID}`, { cause: error });
      throw error;
    }
    if (
      master.role !== 'Master' ||
      !master.pools.includes(spUUID) ||
      Number(master.metadata.MASTER_VERSION) !== masterVersion
    )
      throw new VdsmError('StoragePoolWrongMaster', `SD=${masterSdUUID}, pool=${spUUID}`);
    return master;
  }

  /** StoragePool.connect. */
  async connect(params: ConnectPoolParams): Promise<void> {
    if (this.pool !== null) {
      if (this.pool.spUUID === params.spUUID) return;
      throw new VdsmError('CannotConnectMultiplePools', `connected to ${this.pool.spUUID}`);
    }
    if (!Number.isInteger(params.hostId) || params.hostId < 1 || params.hostId > MAX_HOST_ID)
      throw new VdsmError('InvalidParameterException', `hostID=${params.hostId}`);
    const master = await this.validMaster(params.spUUID, params.masterSdUUID, params.masterVersion);
    const domains: PoolDomains =
      params.domainDict !== null && Object.keys(params.domainDict).length > 0
        ? new Map(Object.entries(params.domainDict).map(([sd, st]) => [sd, normalizeStatus(st)]))
        : parsePoolDomains(master.metadata.POOL_DOMAINS);
    const pool: ConnectedPool = {
      spUUID: params.spUUID,
      hostId: params.hostId,
      masterSdUUID: params.masterSdUUID,
      masterVersion: params.masterVersion,
      domains,
      spm: new Spm(params.spUUID, params.hostId, () => this.masterOf(pool), this.options.spm),
    };
    this.pool = pool;
    this.masterCache = master;
    await this.refreshLinks(pool);
    for (const [sd, status] of domains) if (status === 'Active') this.options.monitor.start(sd, params.hostId);
  }

  private masterCache: FileStorageDomain | null = null;
  private masterOf(pool: ConnectedPool): FileStorageDomain {
    if (this.masterCache === null || this.masterCache.sdUUID !== pool.masterSdUUID)
      throw new VdsmError('StoragePoolMasterNotFound', `spUUID=${pool.spUUID}, msdUUID=${pool.masterSdUUID}`);
    return this.masterCache;
  }

  private poolDir(spUUID: string): string {
    return join(this.options.repository, spUUID);
  }

  /** `<repository>/<spUUID>/<sdUUID>` → domain directory for every reachable pool domain, and `mastersd`. */
  private async refreshLinks(pool: Pick<ConnectedPool, 'spUUID' | 'masterSdUUID' | 'domains'>): Promise<void> {
    const dir = this.poolDir(pool.spUUID);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const wanted = new Map<string, string>();
    for (const sd of pool.domains.keys()) {
      const d = await this.options.finder.get(sd).catch(() => null);
      if (d !== null) wanted.set(sd, d.root);
    }
    const master = wanted.get(pool.masterSdUUID);
    if (master !== undefined) wanted.set('mastersd', master);
    for (const name of await readdir(dir)) {
      if (!wanted.has(name)) await unlink(join(dir, name)).catch(() => {});
    }
    for (const [name, target] of wanted) {
      const link = join(dir, name);
      const current = await readlink(link).catch(() => null);
      if (current === target) continue;
      if (current !== null) await unlink(link);
      await symlink(target, link);
    }
  }

  /** StoragePool.disconnect: not while SPM (IsSpm, 656). */
  async disconnect(spUUID: string): Promise<void> {
    const pool = this.connected(spUUID);
    if (pool.spm.isSpm) throw new VdsmError('IsSpm', spUUID);
    await this.options.monitor.stopPoolDomains();
    await rm(this.poolDir(spUUID), { recursive: true, force: true });
    this.pool = null;
    this.masterCache = null;
  }

  /** StoragePool.refresh: the engine's master and version are checked again and the links rebuilt. */
  async refresh(spUUID: string, masterSdUUID: string, masterVersion: number): Promise<void> {
    const pool = this.connected(spUUID);
    const master = await this.validMaster(spUUID, masterSdUUID, masterVersion);
    pool.masterSdUUID = masterSdUUID;
    pool.masterVersion = masterVersion;
    this.masterCache = master;
    const fromDisk = parsePoolDomains(master.metadata.POOL_DOMAINS);
    if (fromDisk.size > 0) pool.domains = fromDisk;
    await this.refreshLinks(pool);
  }

  async info(spUUID: string): Promise<StoragePoolFullInfo> {
    const pool = this.connected(spUUID);
    const master = await this.domain(pool.masterSdUUID);
    const spm = await pool.spm.status();
    const info: StoragePoolInfo = {
      name: master.metadata.POOL_DESCRIPTION ?? '',
      isoprefix: '',
      pool_status: 'connected',
      lver: spm.spmLver,
      spm_id: spm.spmId,
      master_uuid: pool.masterSdUUID,
      version: String(master.version),
      domains: formatPoolDomains(pool.domains),
      type: master.type,
      master_ver: pool.masterVersion,
    };
    const dominfo: Record<string, StoragePoolDomainInfo> = {};
    for (const [sd, status] of pool.domains) {
      const d = await this.options.finder.get(sd, true).catch(() => null);
      const space = d !== null && status === 'Active' ? await d.space().catch(() => null) : null;
      dominfo[sd] = {
        status,
        alerts: [],
        isoprefix: '',
        version: d?.version ?? -1,
        ...(space !== null && { disktotal: String(space.disktotal), diskfree: String(space.diskfree) }),
      };
    }
    return { info, dominfo };
  }

  /** Writes the pool's domain map to the master domain (SPM). */
  private async saveDomains(pool: ConnectedPool): Promise<void> {
    const master = await this.domain(pool.masterSdUUID);
    await master.updateMetadata({ POOL_DOMAINS: formatPoolDomains(pool.domains) });
    this.masterCache = master;
  }

  private async setStatus(pool: ConnectedPool, sdUUID: string, status: DomainStatus | null): Promise<void> {
    const before = new Map(pool.domains);
    if (status === null) pool.domains.delete(sdUUID);
    else pool.domains.set(sdUUID, status);
    try {
      await this.saveDomains(pool);
    } catch (error) {
      pool.domains = before;
      throw error;
    }
    await this.refreshLinks(pool);
  }

  /** StorageDomain.attach (SPM). */
  async attach(spUUID: string, sdUUID: string): Promise<void> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    const d = await this.domain(sdUUID);
    if (d.pools.includes(spUUID) && pool.domains.has(sdUUID)) return;
    if (d.pools.length > 0) throw new VdsmError('StorageDomainAlreadyAttached', `domain=${sdUUID}, pool=${d.pools[0]}`);
    await d.updateMetadata({ POOL_UUID: spUUID });
    try {
      await this.setStatus(pool, sdUUID, 'Attached');
    } catch (error) {
      await d.updateMetadata({ POOL_UUID: '' }).catch(() => {});
      throw error;
    }
  }

  private member(pool: ConnectedPool, sdUUID: string): DomainStatus {
    const status = pool.domains.get(sdUUID);
    if (status === undefined) throw new VdsmError('StorageDomainNotInPool', `domain=${sdUUID}, pool=${pool.spUUID}`);
    return status;
  }

  /** StorageDomain.activate (SPM): the domain becomes Active and is monitored with our host id. */
  async activate(spUUID: string, sdUUID: string): Promise<void> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    this.member(pool, sdUUID);
    await this.domain(sdUUID);
    await this.setStatus(pool, sdUUID, 'Active');
    this.options.monitor.start(sdUUID, pool.hostId);
  }

  /** StorageDomain.deactivate (SPM): Active → Attached. The master is moved with switchMaster first. */
  async deactivate(spUUID: string, sdUUID: string, masterSdUUID: string): Promise<void> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    this.member(pool, sdUUID);
    if (sdUUID === pool.masterSdUUID || masterSdUUID === sdUUID)
      throw new VdsmError(
        'CannotDetachMasterStorageDomain',
        `${sdUUID} is the master: move the role with StoragePool.switchMaster first`,
      );
    await this.setStatus(pool, sdUUID, 'Attached');
    await this.options.monitor.stop(sdUUID);
  }

  /** StorageDomain.detach (SPM): only an inactive, non-master domain. */
  async detach(spUUID: string, sdUUID: string, force: boolean): Promise<void> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    const status = this.member(pool, sdUUID);
    if (sdUUID === pool.masterSdUUID) throw new VdsmError('CannotDetachMasterStorageDomain', sdUUID);
    if (status === 'Active' && !force) throw new VdsmError('StorageDomainActive', sdUUID);
    const d = await this.domain(sdUUID);
    await this.setStatus(pool, sdUUID, null);
    await d.updateMetadata({ POOL_UUID: d.pools.filter((p) => p !== spUUID).join(',') });
    await this.options.monitor.stop(sdUUID);
  }

  /** StoragePool.setDescription (SPM): the pool's name in the master domain's metadata. */
  async setDescription(spUUID: string, description: string): Promise<void> {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    if (description.length > MAX_DESCRIPTION_LENGTH)
      throw new VdsmError('StoragePoolDescriptionTooLongError', `${description.length} characters`);
    const master = await this.domain(pool.masterSdUUID);
    await master.updateMetadata({ POOL_DESCRIPTION: description });
    this.masterCache = master;
  }

  /** Active domains of the connected pool (StoragePool.getDomainsContainingImage looks through these). */
  private activeDomains(spUUID: string): string[] {
    return [...this.connected(spUUID).domains].filter(([, status]) => status === 'Active').map(([sd]) => sd);
  }

  /** True when `sdUUID` belongs to the connected pool (format refuses those). */
  inConnectedPool(sdUUID: string): boolean {
    return this.pool?.domains.has(sdUUID) ?? false;
  }

  /** The pool's task directory when this host is its SPM. */
  tasksDir(spUUID: string): string {
    const pool = this.connected(spUUID);
    pool.spm.assertSpm();
    return this.masterOf(pool).layout.tasks;
  }

  async close(): Promise<void> {
    if (this.pool !== null) await this.pool.spm.close();
    await this.options.monitor.stopAll();
  }
}
