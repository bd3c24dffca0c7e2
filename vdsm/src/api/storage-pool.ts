/** StoragePool namespace handlers: connections, pool lifecycle and the SPM role. */
import type { ConnectionParams } from '../storage/connection/storage-server.js';
import type { StorageConnections, StoragePools } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { StoragePoolFullInfo } from './schema/api-types.generated.js';

export function storagePoolHandlers(pools: StoragePools, connections: StorageConnections): HandlerTable {
  return new Map([
    implement('StoragePool.connectStorageServer', (p) =>
      connections.connect(p.domainType, p.connectionParams as readonly ConnectionParams[]),
    ),
    implement('StoragePool.disconnectStorageServer', (p) =>
      connections.disconnect(p.domainType, p.connectionParams as readonly ConnectionParams[]),
    ),
    implement('StoragePool.create', async (p) => {
      await pools.create({
        spUUID: p.storagepoolID,
        name: p.name,
        masterSdUUID: p.masterSdUUID,
        masterVersion: p.masterVersion,
        domainList: p.domainList,
        leaseParams: {
          lockRenewalIntervalSec: p.lockRenewalIntervalSec,
          leaseTimeSec: p.leaseTimeSec,
          ioOpTimeoutSec: p.ioOpTimeoutSec,
          leaseRetries: p.leaseRetries,
        },
      });
      return undefined;
    }),
    implement('StoragePool.connect', async (p) => {
      await pools.connect({
        spUUID: p.storagepoolID,
        hostId: p.hostID,
        masterSdUUID: p.masterSdUUID,
        masterVersion: p.masterVersion,
        domainDict: p.domainDict ?? null,
      });
      return undefined;
    }),
    implement('StoragePool.disconnect', async (p) => {
      await pools.disconnect(p.storagepoolID);
      return undefined;
    }),
    implement('StoragePool.refresh', async (p) => {
      await pools.refresh(p.storagepoolID, p.masterSdUUID, p.masterVersion);
      return undefined;
    }),
    implement('StoragePool.reconstructMaster', async (p) => {
      await pools.reconstructMaster({
        spUUID: p.storagepoolID,
        hostId: p.hostId,
        name: p.name,
        masterSdUUID: p.masterSdUUID,
        masterVersion: p.masterVersion,
        domainDict: p.domainDict ?? {},
        leaseParams: {
          lockRenewalIntervalSec: p.lockRenewalIntervalSec,
          leaseTimeSec: p.leaseTimeSec,
          ioOpTimeoutSec: p.ioOpTimeoutSec,
          leaseRetries: p.leaseRetries,
        },
      });
      return undefined;
    }),
    implement('StoragePool.switchMaster', (p) =>
      pools.switchMaster(p.storagepoolID, p.oldMasterUUID, p.newMasterUUID, p.masterVersion),
    ),
    implement('StoragePool.getInfo', async (p) => (await pools.info(p.storagepoolID)) as StoragePoolFullInfo),
    implement('StoragePool.spmStart', (p) => pools.spmStart(p.storagepoolID)),
    implement('StoragePool.spmStop', async (p) => {
      await pools.spmStop(p.storagepoolID);
      return undefined;
    }),
    implement('StoragePool.setDescription', async (p) => {
      await pools.setDescription(p.storagepoolID, p.description);
      return undefined;
    }),
    implement('StoragePool.getDomainsContainingImage', (p) => pools.domainsContainingImage(p.storagepoolID, p.imageID)),
    implement('StoragePool.getSpmStatus', (p) => pools.spmStatus(p.storagepoolID)),
  ]);
}
