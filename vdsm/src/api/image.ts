/** Image namespace handlers (file domains). */
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const IMAGE_HANDLERS = {
  'Image.delete': ({ volumes }, p) => volumes.deleteImage(p.storagepoolID, p.storagedomainID, p.imageID),
  'Image.getVolumes': ({ domains }, p) => domains.volumes(p.storagedomainID, p.imageID),
  'Image.prepare': ({ volumes }, p) =>
    volumes.prepareImage(
      { spUUID: p.storagepoolID, sdUUID: p.storagedomainID, imgUUID: p.imageID, volUUID: p.volumeID },
      p.allowIllegal ?? false,
    ),
  'Image.teardown': async ({ volumes }, p) => {
    await volumes.teardownImage(p.storagedomainID, p.imageID);
    return undefined;
  },
} as const satisfies Handlers<Pick<StorageServices, 'domains' | 'volumes'>>;
