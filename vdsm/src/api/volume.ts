/** Volume namespace handlers (file domains). */
import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageService } from '../storage/index.js';
import { type Handlers, wireShaped } from './handler.js';
import type { QemuImageInfo as QemuImageInfoWire, VolumeInfoResponse } from './schema/api-types.generated.js';

export const VOLUME_HANDLERS = {
  'Volume.create': (storage, p) => {
    const size = Number(p.size);
    if (!Number.isSafeInteger(size)) throw new VdsmError('InvalidParameterException', `size=${p.size}`);
    return storage.createVolume({
      spUUID: p.storagepoolID,
      sdUUID: p.storagedomainID,
      imgUUID: p.imageID,
      volUUID: p.volumeID,
      size,
      format: p.volFormat,
      allocation: p.preallocate,
      diskType: p.diskType,
      description: p.desc,
      srcVolUUID: p.srcVolUUID,
      legal: p.legal ?? true,
      sequence: p.sequence ?? 0,
    });
  },
  'Volume.setDescription': async (storage, p) => {
    await storage.updateVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, {
      description: p.description,
    });
    return undefined;
  },
  'Volume.setLegality': async (storage, p) => {
    await storage.updateVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, { legality: p.legality });
    return undefined;
  },
  'Volume.extendSize': (storage, p) => {
    const newSize = Number(p.newSize);
    if (!Number.isSafeInteger(newSize)) throw new VdsmError('InvalidParameterException', `newSize=${p.newSize}`);
    return storage.extendVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, newSize);
  },
  'Volume.getQemuImageInfo': async (storage, p) =>
    wireShaped<QemuImageInfoWire>(
      await storage.volumeQemuInfo(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID),
    ),
  'Volume.getSize': (storage, p) => storage.volumeSize(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID),
  'Volume.delete': (storage, p) => storage.deleteVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID),
  'Volume.getInfo': async (storage, p) =>
    wireShaped<VolumeInfoResponse>(await storage.volumeInfo(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID)),
} as const satisfies Handlers<StorageService>;
