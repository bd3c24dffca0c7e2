/** Image namespace handlers (file domains). */
import type { StorageDomains, StorageVolumes } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';

export function imageHandlers(volumes: StorageVolumes, domains: StorageDomains): HandlerTable {
  return new Map([
    implement('Image.delete', (p) => volumes.deleteImage(p.storagepoolID, p.storagedomainID, p.imageID)),
    implement('Image.getVolumes', (p) => domains.volumes(p.storagedomainID, p.imageID)),
    implement('Image.prepare', (p) =>
      volumes.prepareImage(
        { spUUID: p.storagepoolID, sdUUID: p.storagedomainID, imgUUID: p.imageID, volUUID: p.volumeID },
        p.allowIllegal ?? false,
      ),
    ),
    implement('Image.teardown', async (p) => {
      await volumes.teardownImage(p.storagedomainID, p.imageID);
      return undefined;
    }),
  ]);
}
