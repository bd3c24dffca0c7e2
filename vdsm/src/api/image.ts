/** Image namespace handlers (file domains). */
import type { StorageService } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';

export function imageHandlers(storage: StorageService): HandlerTable {
  return new Map([
    implement('Image.delete', (p) => storage.deleteImage(p.storagepoolID, p.storagedomainID, p.imageID)),
    implement('Image.getVolumes', (p) => storage.volumes(p.storagedomainID, p.imageID)),
    implement('Image.prepare', (p) =>
      storage.prepareImage(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, p.allowIllegal ?? false),
    ),
    implement('Image.teardown', async (p) => {
      await storage.teardownImage(p.storagedomainID, p.imageID);
      return undefined;
    }),
  ]);
}
