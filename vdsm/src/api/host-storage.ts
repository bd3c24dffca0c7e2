/** The storage verbs of the Host namespace (Host.getStats' storage section is added in host.ts). */
import type { StorageServices } from '../storage/index.js';
import type { HandlerTable } from './handler.js';
import { implement } from './handler.js';

export function hostStorageHandlers({ domains, pools, tasks }: StorageServices): HandlerTable {
  return new Map([
    implement('Host.getStorageDomains', (p) =>
      domains.list({
        spUUID: p.storagepoolID,
        domainClass: p.domainClass,
        storageType: p.storageType,
        remotePath: p.remotePath,
      }),
    ),
    implement('Host.getStorageRepoStats', (p) => domains.repoStats(p.domains ?? [])),
    implement('Host.getConnectedStoragePools', () => pools.connectedPools()),
    implement('Host.getAllTasksStatuses', () => tasks.allStatuses()),
    implement('Host.getAllTasksInfo', () => tasks.allInfo()),
    implement('Host.getAllTasks', () => tasks.allDetails()),
  ]);
}
