/**
 * Builds the storage layer from its options: the five API-facing services (services.ts) over the shared parts
 * (domain finder, sanlock session, domain monitor, task manager). Wiring only; each service lives in its own module.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import { ConnectionService } from './connection/connection-service.js';
import { type Mounter, StorageServerConnections } from './connection/storage-server.js';
import { DomainFinder } from './domain/domain-finder.js';
import { DomainService } from './domain/domain-service.js';
import { DomainMonitor } from './monitor/domain-monitor.js';
import { PoolService } from './pool/pool-service.js';
import { SanlockSession } from './sanlock/session.js';
import type { StorageServices } from './services.js';
import { TaskManager } from './task/task-manager.js';
import { VolumeService } from './volume/volume-service.js';

export type { CreateDomainRequest, CreateVolumeRequest, StorageServices } from './services.js';

export interface StorageServiceOptions {
  readonly repository: string;
  /** Runtime image links: `<runDir>/<sdUUID>/<imgUUID>` (upstream /run/vdsm/storage). */
  readonly runDir: string;
  readonly mounter: Mounter;
  /** SANLOCK_RUN_DIR of the sanlock daemon; undefined = the system one. */
  readonly sanlockRunDir?: string;
  readonly sanlockIoTimeout: number;
  readonly monitorIntervalMs: number;
  readonly spmWatchdogIntervalMs: number;
  readonly log: Logger;
}

export function createStorageServices(options: StorageServiceOptions): StorageServices {
  const finder = new DomainFinder(options.repository);
  const sanlock = new SanlockSession({ runDir: options.sanlockRunDir, ioTimeout: options.sanlockIoTimeout });
  const monitor = new DomainMonitor({ finder, sanlock, intervalMs: options.monitorIntervalMs, log: options.log });
  const tasks = new TaskManager({ log: options.log });
  const pools = new PoolService({
    repository: options.repository,
    finder,
    monitor,
    spm: {
      sanlock,
      monitor,
      tasks,
      watchdogIntervalMs: options.spmWatchdogIntervalMs,
      log: options.log,
    },
  });
  return {
    connections: new ConnectionService(new StorageServerConnections(options.repository, options.mounter)),
    domains: new DomainService({ repository: options.repository, finder, monitor, sanlock: sanlock.client, pools }),
    pools,
    volumes: new VolumeService({ runDir: options.runDir, finder, sanlock: sanlock.client, tasks, pools }),
    tasks,
    close: async () => {
      await pools.close();
      sanlock.close();
    },
  };
}
