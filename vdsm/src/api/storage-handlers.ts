/** Every storage verb vdsm-ts implements, from the per-namespace tables. */
import type { StorageServices } from '../storage/index.js';
import type { HandlerTable } from './handler.js';
import { hostStorageHandlers } from './host-storage.js';
import { imageHandlers } from './image.js';
import { storageDomainHandlers } from './storage-domain.js';
import { storagePoolHandlers } from './storage-pool.js';
import { taskHandlers } from './task.js';
import { volumeHandlers } from './volume.js';

export function storageHandlers(storage: StorageServices): HandlerTable {
  return new Map([
    ...hostStorageHandlers(storage),
    ...storageDomainHandlers(storage.domains, storage.pools),
    ...storagePoolHandlers(storage.pools, storage.connections),
    ...taskHandlers(storage.tasks),
    ...volumeHandlers(storage.volumes),
    ...imageHandlers(storage.volumes, storage.domains),
  ]);
}
