/**
 * Attaching a file storage domain to a data center, as ovirt-engine does it with vdsm's storage verbs: connect the
 * storage server on every Up host of the data center, create the domain on one of them, create the data center's
 * storage pool with it as master (the pool id is the data center id), and connect every host to the pool with its
 * own pool host id; then an SPM is elected. Hosts that come Up later are connected to their data center's pool, and
 * the SPM is re-elected when it leaves (NonResponsive, Maintenance, NonOperational). Further domains of a data center
 * with a pool go through its SPM (StorageDomain.attach + activate).
 */
import type { Db } from '../db/db.js';
import { type DataCenter, dataCenters } from '../db/repo/datacenters.js';
import { events } from '../db/repo/events.js';
import { type Host, hosts } from '../db/repo/hosts.js';
import { type StorageConnection, type StorageDomain, storage } from '../db/repo/storage.js';
import { EngineError } from '../errors.js';
import type { HostManager } from '../hosts/manager.js';
import { SpmElection } from './spm-election.js';

/** vdsm's storage domain type ids (StorageDomainTypeId) and names (StorageDomainType) per connection type. */
const DOMAIN_TYPES: ReadonlyMap<StorageConnection['type'], { id: number; name: string }> = new Map([
  ['nfs', { id: 1, name: 'NFS' }],
  ['localfs', { id: 4, name: 'LOCALFS' }],
  ['posixfs', { id: 6, name: 'SHAREDFS' }],
  ['glusterfs', { id: 7, name: 'GLUSTERFS' }],
]);

const DOMAIN_CLASSES: Readonly<Record<StorageDomain['domainType'], string>> = {
  data: 'Data',
  iso: 'Iso',
  export: 'Backup',
};

const NO_POOL = '00000000-0000-0000-0000-000000000000';
/** oVirt's defaults for new pools (StoragePool.create lease parameters). */
const LEASE = { lockRenewalIntervalSec: 5, leaseTimeSec: 60, ioOpTimeoutSec: 10, leaseRetries: 3 };
const DOMAIN_VERSION = 5;

/** Election retries after the SPM left: its lease may take a few lease periods to expire. */
const REELECT_ATTEMPTS = 10;
const REELECT_DELAY_MS = 2000;

export class PoolManager {
  readonly election: SpmElection;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly hostManager: HostManager,
  ) {
    this.election = new SpmElection(db, hostManager);
    hostManager.on('status', (hostId, status) => {
      if (this.closed) return;
      const work = status === 'Up' ? this.onHostUp(hostId) : this.onHostGone(hostId, status);
      // failures are recorded as events by the election; a closed database during shutdown is the only other case
      work.catch(() => undefined);
    });
  }

  close(): void {
    this.closed = true;
  }

  async attach(dataCenterId: string, storageDomainId: string, userId: string | null): Promise<StorageDomain> {
    const dc = await dataCenters.get(this.db, dataCenterId);
    if (dc === undefined) throw new EngineError('NOT_FOUND', `data center ${dataCenterId} does not exist`);
    const sd = await storage.get(this.db, storageDomainId);
    if (sd === undefined) throw new EngineError('BAD_REQUEST', `body.id: no storage domain ${storageDomainId}`);
    if (sd.status !== 'Unattached') throw new EngineError('CONFLICT', `storage domain ${sd.name} is ${sd.status}`);
    const connection = sd.connectionId === null ? undefined : await storage.getConnection(this.db, sd.connectionId);
    const type = connection === undefined ? undefined : DOMAIN_TYPES.get(connection.type);
    if (connection === undefined || type === undefined) {
      throw new EngineError(
        'CONFLICT',
        `storage domain ${sd.name}: only file domains (nfs, localfs, posixfs, glusterfs)`,
      );
    }
    const up = (await hosts.listByDataCenter(this.db, dc.id)).filter((h) => h.status === 'Up');
    if (up.length === 0) throw new EngineError('NO_HOST', `data center ${dc.name} has no Up host`);

    const connectionParams = [{ id: connection.id, connection: connection.connection }];
    for (const host of up) {
      const statuses = await this.call<{ id: string; status: number }[]>(host, 'StoragePool.connectStorageServer', {
        storagepoolID: NO_POOL,
        domainType: type.id,
        connectionParams,
      });
      const failed = statuses.find((s) => s.status !== 0);
      if (failed !== undefined) {
        throw new EngineError(
          'HOST_CALL_FAILED',
          `host ${host.name} cannot connect ${connection.connection}: vdsm status ${failed.status}`,
        );
      }
    }
    if (dc.masterDomainId !== null) return this.attachToPool(dc, sd, connection, type, up, userId);
    const creator = up[0]!;
    await this.call(creator, 'StorageDomain.create', {
      storagedomainID: sd.id,
      domainType: type.name,
      typeArgs: { remotePath: connection.connection },
      name: sd.name,
      domainClass: DOMAIN_CLASSES[sd.domainType],
      version: DOMAIN_VERSION,
    });
    const masterVersion = dc.masterVersion + 1;
    await this.call(creator, 'StoragePool.create', {
      storagepoolID: dc.id,
      name: dc.name,
      masterSdUUID: sd.id,
      masterVersion,
      domainList: [sd.id],
      ...LEASE,
    });
    await this.db.transaction(async (tx) => {
      await storage.setAttached(tx, sd.id, dc.id, 'Active', true);
      // no SPM yet: oVirt shows such a data center as Contend until one is elected
      await dataCenters.setPool(tx, dc.id, sd.id, masterVersion, 'Contend');
      let next = 1;
      for (const host of up) await hosts.setPoolHostId(tx, host.id, next++);
    });
    let hostId = 1;
    for (const host of up) {
      await this.call(host, 'StoragePool.connect', {
        storagepoolID: dc.id,
        hostID: hostId++,
        scsiKey: dc.id,
        masterSdUUID: sd.id,
        masterVersion,
        domainDict: { [sd.id]: 'active' },
      });
    }
    await this.election.elect(dc.id);
    await events.add(this.db, {
      severity: 'normal',
      code: 'STORAGE_DOMAIN_ATTACHED',
      message: `Storage domain ${sd.name} is the master domain of data center ${dc.name} (${up.length} host(s) connected)`,
      dataCenterId: dc.id,
      userId,
    });
    return (await storage.get(this.db, sd.id))!;
  }

  /**
   * A further (non-master) domain of a data center whose pool exists, as oVirt's AttachStorageDomainToPool and
   * ActivateStorageDomain do: the SPM creates the domain, attaches it to the pool and activates it; the other hosts
   * refresh their view of the pool (StoragePool.refresh). The storage server is already connected on every Up host.
   */
  private async attachToPool(
    dc: DataCenter,
    sd: StorageDomain,
    connection: StorageConnection,
    type: { id: number; name: string },
    up: readonly Host[],
    userId: string | null,
  ): Promise<StorageDomain> {
    const spm = up.find((h) => h.spmStatus === 'SPM');
    if (spm === undefined) {
      throw new EngineError('CONFLICT', `data center ${dc.name} has no SPM: domains are attached through the SPM`);
    }
    await this.call(spm, 'StorageDomain.create', {
      storagedomainID: sd.id,
      domainType: type.name,
      typeArgs: { remotePath: connection.connection },
      name: sd.name,
      domainClass: DOMAIN_CLASSES[sd.domainType],
      version: DOMAIN_VERSION,
    });
    await this.call(spm, 'StorageDomain.attach', { storagedomainID: sd.id, storagepoolID: dc.id });
    await this.call(spm, 'StorageDomain.activate', { storagedomainID: sd.id, storagepoolID: dc.id });
    for (const host of up) {
      if (host.id === spm.id) continue;
      await this.call(host, 'StoragePool.refresh', {
        storagepoolID: dc.id,
        masterSdUUID: dc.masterDomainId,
        masterVersion: dc.masterVersion,
      });
    }
    await storage.setAttached(this.db, sd.id, dc.id, 'Active', false);
    await events.add(this.db, {
      severity: 'normal',
      code: 'STORAGE_DOMAIN_ATTACHED',
      message: `Storage domain ${sd.name} was attached to data center ${dc.name} and activated by SPM host ${spm.name}`,
      dataCenterId: dc.id,
      userId,
    });
    return (await storage.get(this.db, sd.id))!;
  }

  /** A host that comes Up in a data center with a pool is connected to it; a pool without SPM gets one. */
  private async onHostUp(hostId: string): Promise<void> {
    const host = await hosts.get(this.db, hostId);
    if (host === undefined) return;
    const dcId = (
      await this.db.query<{ id: string }>('SELECT datacenter_id AS id FROM clusters WHERE id = $1', [host.clusterId])
    )[0]?.id;
    const dc = dcId === undefined ? undefined : await dataCenters.get(this.db, dcId);
    if (dc === undefined || dc.masterDomainId === null || host.poolHostId === null) return;
    const sd = await storage.get(this.db, dc.masterDomainId);
    const connection = sd?.connectionId == null ? undefined : await storage.getConnection(this.db, sd.connectionId);
    const type = connection === undefined ? undefined : DOMAIN_TYPES.get(connection.type);
    if (connection === undefined || type === undefined) return;
    const client = await this.hostManager.connection(host.id);
    const connected = await client
      .call<{ storagepoolID?: string }[] | string[]>('Host.getConnectedStoragePools', {})
      .catch(() => []);
    if (!JSON.stringify(connected).includes(dc.id)) {
      await this.call(host, 'StoragePool.connectStorageServer', {
        storagepoolID: NO_POOL,
        domainType: type.id,
        connectionParams: [{ id: connection.id, connection: connection.connection }],
      });
      await this.call(host, 'StoragePool.connect', {
        storagepoolID: dc.id,
        hostID: host.poolHostId,
        scsiKey: dc.id,
        masterSdUUID: dc.masterDomainId,
        masterVersion: dc.masterVersion,
        domainDict: { [dc.masterDomainId]: 'active' },
      });
    }
    if (dc.status !== 'Up') await this.election.elect(dc.id);
  }

  /** The SPM left: the data center contends until another host holds the SPM lease. */
  private async onHostGone(hostId: string, status: string): Promise<void> {
    if (status !== 'NonResponsive' && status !== 'Maintenance' && status !== 'NonOperational') return;
    const host = await hosts.get(this.db, hostId);
    if (host === undefined || host.spmStatus !== 'SPM') return;
    const dcId = (
      await this.db.query<{ id: string }>('SELECT datacenter_id AS id FROM clusters WHERE id = $1', [host.clusterId])
    )[0]?.id;
    if (dcId === undefined) return;
    if (status !== 'NonResponsive') {
      // the host still answers: it gives the SDM lease back, so another host can take it at once
      await this.call(host, 'StoragePool.spmStop', { storagepoolID: dcId }).catch(() => undefined);
    }
    await hosts.setSpm(this.db, dcId, null);
    await dataCenters.setStatus(this.db, dcId, 'Contend');
    await events.add(this.db, {
      severity: 'warning',
      code: 'SPM_LOST',
      message: `SPM host ${host.name} is ${status}: electing another`,
      hostId,
      dataCenterId: dcId,
    });
    for (let attempt = 0; attempt < REELECT_ATTEMPTS && !this.closed; attempt++) {
      if ((await this.election.elect(dcId)) !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, REELECT_DELAY_MS));
    }
  }

  private async call<T = unknown>(host: Host, method: string, params: Record<string, unknown>): Promise<T> {
    try {
      const client = await this.hostManager.connection(host.id);
      return await client.call<T>(method, params);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new EngineError('HOST_CALL_FAILED', `${method} on host ${host.name} failed: ${detail}`);
    }
  }
}
