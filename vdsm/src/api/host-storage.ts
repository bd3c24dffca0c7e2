/** The storage verbs of the Host namespace (Host.getStats' storage section is added in host.ts). */
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const HOST_STORAGE_HANDLERS = {
  'Host.getStorageDomains': ({ domains }, p) =>
    domains.list({
      spUUID: p.storagepoolID,
      domainClass: p.domainClass,
      storageType: p.storageType,
      remotePath: p.remotePath,
    }),
  'Host.getStorageRepoStats': ({ domains }, p) => domains.repoStats(p.domains ?? []),
  'Host.startMonitoringDomain': ({ domains }, p) => {
    domains.startMonitoring(p.sdUUID, p.hostID);
    return undefined;
  },
  'Host.stopMonitoringDomain': async ({ domains }, p) => {
    await domains.stopMonitoring(p.sdUUID);
    return undefined;
  },
  'Host.getConnectedStoragePools': ({ pools }) => pools.connectedPools(),
  'Host.getAllTasksStatuses': ({ tasks }) => tasks.allStatuses(),
  'Host.getAllTasksInfo': ({ tasks }) => tasks.allInfo(),
  'Host.getAllTasks': ({ tasks }) => tasks.allDetails(),
} as const satisfies Handlers<Pick<StorageServices, 'domains' | 'pools' | 'tasks'>>;
