/** The storage verbs of the Host namespace (Host.getStats' storage section is added in host.ts). */
import type { StorageService } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const HOST_STORAGE_HANDLERS = {
  'Host.getStorageDomains': (storage, p) =>
    storage.listDomains({
      spUUID: p.storagepoolID,
      domainClass: p.domainClass,
      storageType: p.storageType,
      remotePath: p.remotePath,
    }),
  'Host.getStorageRepoStats': (storage, p) => storage.repoStats(p.domains ?? []),
  'Host.getConnectedStoragePools': (storage) => storage.pools.connectedPools(),
  'Host.getAllTasksStatuses': (storage) => storage.tasks.allStatuses(),
  'Host.getAllTasksInfo': (storage) => storage.tasks.allInfo(),
  'Host.getAllTasks': (storage) => storage.tasks.allDetails(),
} as const satisfies Handlers<StorageService>;
