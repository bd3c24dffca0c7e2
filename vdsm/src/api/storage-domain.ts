/** StorageDomain namespace handlers: thin wrappers over the storage service. */

import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageDomains, StoragePools } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { StorageDomainCreateArguments, StorageDomainInfo } from './schema/api-types.generated.js';

/** ovirt-engine sends the bare connection string; the schema's object forms carry it as remotePath. */
function remotePathOf(typeArgs: StorageDomainCreateArguments): string {
  if (typeof typeArgs === 'string') return typeArgs;
  if ('remotePath' in typeArgs && typeof typeArgs.remotePath === 'string') return typeArgs.remotePath;
  throw new VdsmError('InvalidParameter', 'typeArgs names no remotePath (block domains are not implemented)');
}

export function storageDomainHandlers(domains: StorageDomains, pools: StoragePools): HandlerTable {
  return new Map([
    implement('StorageDomain.create', async (p) => {
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
    }),
    // POSIXFS domains report TYPE=POSIXFS as upstream does, a name the schema's enum lacks.
    implement('StorageDomain.getInfo', async (p) => (await domains.info(p.storagedomainID)) as StorageDomainInfo),
    implement('StorageDomain.getStats', (p) => domains.stats(p.storagedomainID)),
    implement('StorageDomain.setDescription', async (p) => {
      await domains.setDescription(p.storagedomainID, p.description);
      return undefined;
    }),
    implement('StorageDomain.validate', async (p) => {
      await domains.info(p.storagedomainID);
      return undefined;
    }),
    implement('StorageDomain.getImages', (p) => domains.images(p.storagedomainID)),
    implement('StorageDomain.getVolumes', (p) => domains.volumes(p.storagedomainID, p.imageID)),
    implement('StorageDomain.attach', async (p) => {
      await pools.attach(p.storagepoolID, p.storagedomainID);
      return undefined;
    }),
    implement('StorageDomain.activate', async (p) => {
      await pools.activate(p.storagepoolID, p.storagedomainID);
      return undefined;
    }),
    implement('StorageDomain.deactivate', async (p) => {
      await pools.deactivate(p.storagepoolID, p.storagedomainID, p.masterSdUUID);
      return undefined;
    }),
    implement('StorageDomain.detach', async (p) => {
      await pools.detach(p.storagepoolID, p.storagedomainID, p.force ?? false);
      return undefined;
    }),
    implement('StorageDomain.format', async (p) => {
      await domains.format(p.storagedomainID, p.autoDetach ?? false);
      return undefined;
    }),
  ]);
}
