/** The storage verbs of the Host namespace (Host.getStats' storage section is added in host.ts). */
import type { StorageService } from '../storage/index.js';
import type { HandlerTable } from './handler.js';
import { implement } from './handler.js';

export function hostStorageHandlers(storage: StorageService): HandlerTable {
  return new Map([
    implement('Host.getStorageDomains', (p) =>
      storage.listDomains({
        spUUID: p.storagepoolID,
        domainClass: p.domainClass,
        storageType: p.storageType,
        remotePath: p.remotePath,
      }),
    ),
    implement('Host.getStorageRepoStats', (p) => storage.repoStats(p.domains ?? [])),
    implement('Host.getConnectedStoragePools', () => storage.pools.connectedPools()),
    implement('Host.getAllTasksStatuses', () => storage.tasks.allStatuses()),
    implement('Host.getAllTasksInfo', () => storage.tasks.allInfo()),
    implement('Host.getAllTasks', () => storage.tasks.allDetails()),
  ]);
}
