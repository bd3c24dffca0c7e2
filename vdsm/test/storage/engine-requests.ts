// The storage requests ovirt-engine sends to build a LOCALFS data center, as parameter objects typed the way the
// engine builds them (numbers for domainType, strings for prevLver/enableScsiFencing/domVersion). Tests and benches
// call them through their own client so each step's assertions stay next to it.

export const BLANK_UUID = '00000000-0000-0000-0000-000000000000';

/** StoragePool.connectStorageServer for one local directory (domainType 4 = LOCALFS, as the engine sends it). */
export function connectLocalStorage(connection: string, id: string, storagepoolID = BLANK_UUID) {
  return { storagepoolID, domainType: 4, connectionParams: [{ id, connection }] };
}

/** StorageDomain.create of a V5 LOCALFS domain on `remotePath`. */
export function createLocalDomain(storagedomainID: string, remotePath: string, name: string, domainClass = 'Data') {
  return {
    storagedomainID,
    domainType: 'LOCALFS',
    typeArgs: { remotePath },
    name,
    domainClass,
    version: 5,
    blockSize: 512,
    maxHosts: 250,
  };
}

/** StoragePool.create with `masterSdUUID` as its only domain. */
export function createPool(storagepoolID: string, masterSdUUID: string, name: string) {
  return {
    storagepoolID,
    name,
    masterSdUUID,
    masterVersion: 1,
    domainList: [masterSdUUID],
    lockRenewalIntervalSec: 5,
    leaseTimeSec: 60,
    ioOpTimeoutSec: 10,
    leaseRetries: 3,
  };
}

/** StoragePool.connect as host 1 with the master domain active. */
export function connectPool(storagepoolID: string, masterSdUUID: string) {
  return {
    storagepoolID,
    hostID: 1,
    scsiKey: storagepoolID,
    masterSdUUID,
    masterVersion: 1,
    domainDict: { [masterSdUUID]: 'active' },
  };
}

/** StoragePool.spmStart; `prevID`/`prevLver` are the last SPM the engine knows of (-1: none). */
export function spmStart(storagepoolID: string, prevID = -1) {
  return {
    storagepoolID,
    prevID,
    prevLver: String(prevID),
    enableScsiFencing: 'false',
    maxHostID: 250,
    domVersion: '5',
  };
}
