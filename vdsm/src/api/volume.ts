/** Volume namespace handlers (file domains). */
import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageVolumes } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { QemuImageInfo as QemuImageInfoWire, VolumeInfoResponse } from './schema/api-types.generated.js';

/** The volume a Volume verb names. */
const ref = (p: { storagepoolID: string; storagedomainID: string; imageID: string; volumeID: string }) => ({
  spUUID: p.storagepoolID,
  sdUUID: p.storagedomainID,
  imgUUID: p.imageID,
  volUUID: p.volumeID,
});

export function volumeHandlers(volumes: StorageVolumes): HandlerTable {
  return new Map([
    implement('Volume.create', (p) => {
      const size = Number(p.size);
      if (!Number.isSafeInteger(size)) throw new VdsmError('InvalidParameterException', `size=${p.size}`);
      return volumes.create({
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
      await volumes.update(ref(p), {
        description: p.description,
      });
      return undefined;
    }),
    implement('Volume.setLegality', async (p) => {
      await volumes.update(ref(p), { legality: p.legality });
      return undefined;
    }),
    implement('Volume.extendSize', (p) => {
      const newSize = Number(p.newSize);
      if (!Number.isSafeInteger(newSize)) throw new VdsmError('InvalidParameterException', `newSize=${p.newSize}`);
      return volumes.extend(ref(p), newSize);
    }),
    implement('Volume.getQemuImageInfo', async (p) => (await volumes.qemuInfo(ref(p))) as QemuImageInfoWire),
    implement('Volume.getSize', (p) => volumes.size(ref(p))),
    implement('Volume.delete', (p) => volumes.delete(ref(p))),
    implement('Volume.getInfo', async (p) => (await volumes.info(ref(p))) as VolumeInfoResponse),
  ]);
}
