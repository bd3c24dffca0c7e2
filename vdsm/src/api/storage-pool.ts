/** StoragePool namespace handlers: connections, pool lifecycle and the SPM role. */
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const STORAGE_POOL_HANDLERS = {
  'StoragePool.connectStorageServer': ({ connections }, p) => connections.connect(p.domainType, p.connectionParams),
  'StoragePool.disconnectStorageServer': ({ connections }, p) =>
    connections.disconnect(p.domainType, p.connectionParams),
  'StoragePool.create': async ({ pools }, p) => {
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
  },
  'StoragePool.connect': async ({ pools }, p) => {
    await pools.connect({
      spUUID: p.storagepoolID,
      hostId: p.hostID,
      masterSdUUID: p.masterSdUUID,
      masterVersion: p.masterVersion,
      domainDict: p.domainDict ?? null,
    });
    return undefined;
  },
  'StoragePool.disconnect': async ({ pools }, p) => {
    await pools.disconnect(p.storagepoolID);
    return undefined;
  },
  'StoragePool.refresh': async ({ pools }, p) => {
    await pools.refresh(p.storagepoolID, p.masterSdUUID, p.masterVersion);
    return undefined;
  },
  'StoragePool.reconstructMaster': async ({ pools }, p) => {
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
  },
  'StoragePool.switchMaster': ({ pools }, p) =>
    pools.switchMaster(p.storagepoolID, p.oldMasterUUID, p.newMasterUUID, p.masterVersion),
  'StoragePool.getInfo': async ({ pools }, p) => pools.info(p.storagepoolID),
  'StoragePool.spmStart': ({ pools }, p) => pools.spmStart(p.storagepoolID),
  'StoragePool.spmStop': async ({ pools }, p) => {
    await pools.spmStop(p.storagepoolID);
    return undefined;
  },
  'StoragePool.setDescription': async ({ pools }, p) => {
    await pools.setDescription(p.storagepoolID, p.description);
    return undefined;
  },
  'StoragePool.getDomainsContainingImage': ({ pools }, p) => pools.domainsContainingImage(p.storagepoolID, p.imageID),
  'StoragePool.getSpmStatus': ({ pools }, p) => pools.spmStatus(p.storagepoolID),
} as const satisfies Handlers<Pick<StorageServices, 'pools' | 'connections'>>;
