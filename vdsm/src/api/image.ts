/** Image namespace handlers (file domains). */
import type { StorageService } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const IMAGE_HANDLERS = {
  'Image.delete': (storage, p) => storage.deleteImage(p.storagepoolID, p.storagedomainID, p.imageID),
  'Image.getVolumes': (storage, p) => storage.volumes(p.storagedomainID, p.imageID),
  'Image.prepare': (storage, p) =>
    storage.prepareImage(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, p.allowIllegal ?? false),
  'Image.teardown': async (storage, p) => {
    await storage.teardownImage(p.storagedomainID, p.imageID);
    return undefined;
  },
} as const satisfies Handlers<StorageService>;
