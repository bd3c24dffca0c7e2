/** StorageDomain namespace handlers: thin wrappers over the storage service. */

import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageDomainCreateArguments } from '../schema/api-types.generated.js';
import type { Loose } from '../schema/types.js';
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

/** ovirt-engine sends the bare connection string; the schema's object forms carry it as remotePath. */
function remotePathOf(typeArgs: Loose<StorageDomainCreateArguments>): string {
  if (typeof typeArgs === 'string') return typeArgs;
  if ('remotePath' in typeArgs && typeof typeArgs.remotePath === 'string') return typeArgs.remotePath;
  throw new VdsmError('InvalidParameter', 'typeArgs names no remotePath (block domains are not implemented)');
}

export const STORAGE_DOMAIN_HANDLERS = {
  'StorageDomain.create': async ({ domains }, p) => {
    await domains.create({
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
  'StorageDomain.getInfo': ({ domains }, p) => domains.info(p.storagedomainID),
  'StorageDomain.getStats': async ({ domains }, p) => domains.stats(p.storagedomainID),
  'StorageDomain.setDescription': async ({ domains }, p) => {
    await domains.setDescription(p.storagedomainID, p.description);
    return undefined;
  },
  'StorageDomain.validate': async ({ domains }, p) => {
    await domains.info(p.storagedomainID);
    return undefined;
  },
  'StorageDomain.getImages': ({ domains }, p) => domains.images(p.storagedomainID),
  'StorageDomain.getVolumes': ({ domains }, p) => domains.volumes(p.storagedomainID, p.imageID),
  'StorageDomain.attach': async ({ pools }, p) => {
    await pools.attach(p.storagepoolID, p.storagedomainID);
    return undefined;
  },
  'StorageDomain.activate': async ({ pools }, p) => {
    await pools.activate(p.storagepoolID, p.storagedomainID);
    return undefined;
  },
  'StorageDomain.deactivate': async ({ pools }, p) => {
    await pools.deactivate(p.storagepoolID, p.storagedomainID, p.masterSdUUID);
    return undefined;
  },
  'StorageDomain.detach': async ({ pools }, p) => {
    await pools.detach(p.storagepoolID, p.storagedomainID, p.force ?? false);
    return undefined;
  },
  'StorageDomain.format': async ({ domains }, p) => {
    await domains.format(p.storagedomainID, p.autoDetach ?? false);
    return undefined;
  },
} as const satisfies Handlers<Pick<StorageServices, 'domains' | 'pools'>>;
