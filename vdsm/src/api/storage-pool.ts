/** StoragePool namespace handlers: connections, pool lifecycle and the SPM role. */
import type { ConnectionParams } from '../storage/connection/storage-server.js';
import type { StorageService } from '../storage/index.js';
import { type Handlers, wireShaped } from './handler.js';
import type { StoragePoolFullInfo } from './schema/api-types.generated.js';

export const STORAGE_POOL_HANDLERS = {
  'StoragePool.connectStorageServer': (storage, p) =>
    storage.connectStorageServer(p.domainType, p.connectionParams as readonly ConnectionParams[]),
  'StoragePool.disconnectStorageServer': (storage, p) =>
    storage.disconnectStorageServer(p.domainType, p.connectionParams as readonly ConnectionParams[]),
  'StoragePool.create': async (storage, p) => {
    await storage.pools.create({
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
  },
  'StoragePool.connect': async (storage, p) => {
    await storage.pools.connect({
      spUUID: p.storagepoolID,
      hostId: p.hostID,
      masterSdUUID: p.masterSdUUID,
      masterVersion: p.masterVersion,
      domainDict: p.domainDict ?? null,
    });
    return undefined;
  },
  'StoragePool.disconnect': async (storage, p) => {
    await storage.pools.disconnect(p.storagepoolID);
    return undefined;
  },
  'StoragePool.refresh': async (storage, p) => {
    await storage.pools.refresh(p.storagepoolID, p.masterSdUUID, p.masterVersion);
    return undefined;
  },
  'StoragePool.reconstructMaster': async (storage, p) => {
    await storage.pools.reconstructMaster({
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
  },
  'StoragePool.switchMaster': (storage, p) =>
    storage.pools.switchMaster(p.storagepoolID, p.oldMasterUUID, p.newMasterUUID, p.masterVersion),
  'StoragePool.getInfo': async (storage, p) =>
    wireShaped<StoragePoolFullInfo>(await storage.pools.info(p.storagepoolID)),
  'StoragePool.spmStart': (storage, p) => storage.pools.spm(p.storagepoolID).start(),
  'StoragePool.spmStop': async (storage, p) => {
    await storage.pools.spm(p.storagepoolID).stop();
    return undefined;
  },
  'StoragePool.setDescription': async (storage, p) => {
    await storage.pools.setDescription(p.storagepoolID, p.description);
    return undefined;
  },
  'StoragePool.getDomainsContainingImage': (storage, p) => storage.domainsContainingImage(p.storagepoolID, p.imageID),
  'StoragePool.getSpmStatus': (storage, p) => storage.spmStatus(p.storagepoolID),
} as const satisfies Handlers<StorageService>;
