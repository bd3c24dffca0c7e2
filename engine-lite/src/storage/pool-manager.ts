/**
 * Attaching a file storage domain to a data center, as ovirt-engine does it with vdsm's storage verbs: connect the
 * storage server on every Up host of the data center, create the domain on one of them, create the data center's
 * storage pool with it as master (the pool id is the data center id), and connect every host to the pool with its
 * own pool host id. Electing an SPM (StoragePool.spmStart) is not done yet: see README.
 */
import type { Db } from '../db/db.js';
import { dataCenters } from '../db/repo/datacenters.js';
import { events } from '../db/repo/events.js';
import { type Host, hosts } from '../db/repo/hosts.js';
import { type StorageConnection, type StorageDomain, storage } from '../db/repo/storage.js';
import { EngineError } from '../errors.js';
import type { HostManager } from '../hosts/manager.js';

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

export class PoolManager {
  constructor(
    private readonly db: Db,
    private readonly hostManager: HostManager,
  ) {}

  async attach(dataCenterId: string, storageDomainId: string, userId: string | null): Promise<StorageDomain> {
    const dc = await dataCenters.get(this.db, dataCenterId);
    if (dc === undefined) throw new EngineError('NOT_FOUND', `data center ${dataCenterId} does not exist`);
    const sd = await storage.get(this.db, storageDomainId);
    if (sd === undefined) throw new EngineError('BAD_REQUEST', `body.id: no storage domain ${storageDomainId}`);
    if (sd.status !== 'Unattached') throw new EngineError('CONFLICT', `storage domain ${sd.name} is ${sd.status}`);
    if (dc.masterDomainId !== null) {
      throw new EngineError(
        'CONFLICT',
        `data center ${dc.name} has a pool: attaching more domains needs an SPM (not implemented)`,
      );
    }
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
    await events.add(this.db, {
      severity: 'normal',
      code: 'STORAGE_DOMAIN_ATTACHED',
      message: `Storage domain ${sd.name} is the master domain of data center ${dc.name} (${up.length} host(s) connected)`,
      dataCenterId: dc.id,
      userId,
    });
    return (await storage.get(this.db, sd.id))!;
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
