/** Volume namespace handlers (file domains). */
import { VdsmError } from '../errors/vdsm-error.js';
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

/** The volume a Volume verb names. */
const ref = (p: { storagepoolID: string; storagedomainID: string; imageID: string; volumeID: string }) => ({
  spUUID: p.storagepoolID,
  sdUUID: p.storagedomainID,
  imgUUID: p.imageID,
  volUUID: p.volumeID,
});

export const VOLUME_HANDLERS = {
  'Volume.create': ({ volumes }, p) => {
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
  },
  'Volume.setDescription': async ({ volumes }, p) => {
    await volumes.update(ref(p), {
      description: p.description,
    });
    return undefined;
  },
  'Volume.setLegality': async ({ volumes }, p) => {
    await volumes.update(ref(p), { legality: p.legality });
    return undefined;
  },
  'Volume.extendSize': ({ volumes }, p) => {
    const newSize = Number(p.newSize);
    if (!Number.isSafeInteger(newSize)) throw new VdsmError('InvalidParameterException', `newSize=${p.newSize}`);
    return volumes.extend(ref(p), newSize);
  },
  'Volume.getQemuImageInfo': async ({ volumes }, p) => volumes.qemuInfo(ref(p)),
  'Volume.getSize': ({ volumes }, p) => volumes.size(ref(p)),
  'Volume.delete': ({ volumes }, p) => volumes.delete(ref(p)),
  'Volume.getInfo': async ({ volumes }, p) => volumes.info(ref(p)),
} as const satisfies Handlers<Pick<StorageServices, 'volumes'>>;
