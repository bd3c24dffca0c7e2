/** StorageDomain namespace handlers: thin wrappers over the storage service. */

import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageService } from '../storage/index.js';
import { type Handlers, wireShaped } from './handler.js';
import type { StorageDomainCreateArguments, StorageDomainStats } from './schema/api-types.generated.js';
import type { Loose } from './schema/types.js';

/** ovirt-engine sends the bare connection string; the schema's object forms carry it as remotePath. */
function remotePathOf(typeArgs: Loose<StorageDomainCreateArguments>): string {
  if (typeof typeArgs === 'string') return typeArgs;
  if ('remotePath' in typeArgs && typeof typeArgs.remotePath === 'string') return typeArgs.remotePath;
  throw new VdsmError('InvalidParameter', 'typeArgs names no remotePath (block domains are not implemented)');
}

export const STORAGE_DOMAIN_HANDLERS = {
  'StorageDomain.create': async (storage, p) => {
    await storage.createDomain({
      sdUUID: p.storagedomainID,
      domainType: p.domainType,
      remotePath: remotePathOf(p.typeArgs),
      name: p.name,
      domainClass: p.domainClass,
      version: p.version === null || p.version === undefined ? null : Number(p.version),
      blockSize: p.blockSize ?? 512,
    });
    return undefined;
  },
  'StorageDomain.getInfo': (storage, p) => storage.domainInfo(p.storagedomainID),
  'StorageDomain.getStats': async (storage, p) =>
    wireShaped<StorageDomainStats>(await storage.domainStats(p.storagedomainID)),
  'StorageDomain.setDescription': async (storage, p) => {
    await storage.setDomainDescription(p.storagedomainID, p.description);
    return undefined;
  },
  'StorageDomain.validate': async (storage, p) => {
    await storage.domainInfo(p.storagedomainID);
    return undefined;
  },
  'StorageDomain.getImages': (storage, p) => storage.images(p.storagedomainID),
  'StorageDomain.getVolumes': (storage, p) => storage.volumes(p.storagedomainID, p.imageID),
  'StorageDomain.attach': async (storage, p) => {
    await storage.pools.attach(p.storagepoolID, p.storagedomainID);
    return undefined;
  },
  'StorageDomain.activate': async (storage, p) => {
    await storage.pools.activate(p.storagepoolID, p.storagedomainID);
    return undefined;
  },
  'StorageDomain.deactivate': async (storage, p) => {
    await storage.pools.deactivate(p.storagepoolID, p.storagedomainID, p.masterSdUUID);
    return undefined;
  },
  'StorageDomain.detach': async (storage, p) => {
    await storage.pools.detach(p.storagepoolID, p.storagedomainID, p.force ?? false);
    return undefined;
  },
  'StorageDomain.format': async (storage, p) => {
    await storage.formatDomain(p.storagedomainID, p.autoDetach ?? false);
    return undefined;
  },
} as const satisfies Handlers<StorageService>;
