/** The storage verbs of the Host namespace, and the storage section of Host.getStats. */
import type { StorageService } from '../storage/index.js';
import type { Handler, HandlerTable } from './handler.js';
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

/** Wraps the Host.getStats handler of `table` so its reply carries `storageDomains` (monitored domains). */
export function withStorageStats(table: HandlerTable, storage: StorageService): HandlerTable {
  const base = table.get('Host.getStats');
  if (base === undefined) return table;
  const wrapped: Handler = async (args, context) => {
    const stats = (await base(args, context)) as Record<string, unknown>;
    return { ...stats, storageDomains: storage.repoStats([]) };
  };
  return new Map([...table, ['Host.getStats', wrapped]]);
}
