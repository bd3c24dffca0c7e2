/** Volume namespace handlers (file domains). */
import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageService } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { QemuImageInfo as QemuImageInfoWire, VolumeInfoResponse } from './schema/api-types.generated.js';

export function volumeHandlers(storage: StorageService): HandlerTable {
  return new Map([
    implement('Volume.create', (p) => {
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
    }),
    implement('Volume.setDescription', async (p) => {
      await storage.updateVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, {
        description: p.description,
      });
      return undefined;
    }),
    implement('Volume.setLegality', async (p) => {
      await storage.updateVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, { legality: p.legality });
      return undefined;
    }),
    implement('Volume.extendSize', (p) => {
      const newSize = Number(p.newSize);
      if (!Number.isSafeInteger(newSize)) throw new VdsmError('InvalidParameterException', `newSize=${p.newSize}`);
      return storage.extendVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID, newSize);
    }),
    implement(
      'Volume.getQemuImageInfo',
      async (p) =>
        (await storage.volumeQemuInfo(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID)) as QemuImageInfoWire,
    ),
    implement('Volume.getSize', (p) => storage.volumeSize(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID)),
    implement('Volume.delete', (p) => storage.deleteVolume(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID)),
    implement(
      'Volume.getInfo',
      async (p) =>
        (await storage.volumeInfo(p.storagepoolID, p.storagedomainID, p.imageID, p.volumeID)) as VolumeInfoResponse,
    ),
  ]);
}
