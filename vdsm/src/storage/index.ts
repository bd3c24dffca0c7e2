/** The storage layer's entry: the services the API uses, built from the configuration. */

import type { Config } from '@vdsm-ts/common/config';
import type { Logger } from '@vdsm-ts/common/logging';
import type { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import type { StorageServices } from './services.js';
import { createStorageServices } from './storage-service.js';

export type {
  StorageConnections,
  StorageDomains,
  StoragePools,
  StorageServices,
  StorageTasks,
  StorageVolumes,
} from './services.js';
export { createStorageServices } from './storage-service.js';

export function createStorageService(config: Config, supervdsm: SupervdsmClient, log: Logger): StorageServices {
  return createStorageServices({
    repository: config.irs.repository,
    runDir: config.irs.storage_run_dir,
    mounter: supervdsm.ops,
    sanlockRunDir: process.env.SANLOCK_RUN_DIR,
    sanlockIoTimeout: config.sanlock.io_timeout,
    monitorIntervalMs: config.irs.sd_health_check_delay * 1000,
    spmWatchdogIntervalMs: config.spm.watchdog_interval * 1000,
    log,
  });
}
