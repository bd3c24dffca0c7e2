// A LOCALFS data center through a real vdsmd, built with the engine's verbs: storage connection, domain, pool,
// SPM, and RAW volumes on demand. For the tests of VM drives naming oVirt images.

import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigSections } from '@vdsm-ts/testing/vdsm-conf';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import type { VdsmClient } from '../../src/client/index.js';
import {
  BLANK_UUID,
  connectLocalStorage,
  connectPool,
  createLocalDomain,
  createPool,
  spmStart,
} from '../storage/engine-requests.js';

export interface DataCenter {
  readonly spUUID: string;
  readonly sdUUID: string;
  /** Where vdsmd links prepared images (`[irs] storage_run_dir`). */
  readonly runDir: string;
  /** A new RAW volume in a new image; its ids. */
  volume(sizeBytes?: number): Promise<{ imgUUID: string; volUUID: string }>;
  /** The path the engine writes into the domain XML for a volume (vdsmd replaces it with the prepared one). */
  enginePath(imgUUID: string, volUUID: string): string;
}

/** The vdsmd configuration sections a data center in `dir` needs. */
export function dataCenterConfig(dir: string): ConfigSections {
  return {
    irs: { repository: join(dir, 'repo'), sd_health_check_delay: 0.5, storage_run_dir: join(dir, 'run') },
    sanlock: { io_timeout: 1 },
    spm: { watchdog_interval: 1 },
    supervdsm: { socket: join(dir, 'no-supervdsm.sock') },
  };
}

/** Builds the data center in `dir` (configured with dataCenterConfig) through `client`. */
export async function buildDataCenter(client: VdsmClient, dir: string): Promise<DataCenter> {
  const call = <T = unknown>(method: string, params: Record<string, unknown> = {}) =>
    client.call<T>(method, params, { timeoutMs: 60_000 });
  const waitTask = async (taskID: string) =>
    waitUntil(async () => (await call<{ taskState: string }>('Task.getStatus', { taskID })).taskState === 'finished', {
      timeoutMs: 60_000,
      what: `task ${taskID}`,
    });
  const shared = join(dir, 'data');
  await mkdir(shared, { recursive: true });
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  await call('StoragePool.connectStorageServer', connectLocalStorage(shared, randomUUID()));
  await call('StorageDomain.create', createLocalDomain(sdUUID, shared, 'vm data'));
  await call('StoragePool.create', createPool(spUUID, sdUUID, 'dc'));
  await call('StoragePool.connect', connectPool(spUUID, sdUUID));
  await waitTask(await call<string>('StoragePool.spmStart', spmStart(spUUID)));
  return {
    spUUID,
    sdUUID,
    runDir: join(dir, 'run'),
    async volume(sizeBytes = 1024 ** 2) {
      const imgUUID = randomUUID();
      const volUUID = randomUUID();
      await waitTask(
        await call<string>('Volume.create', {
          volumeID: volUUID,
          storagepoolID: spUUID,
          storagedomainID: sdUUID,
          imageID: imgUUID,
          size: String(sizeBytes),
          volFormat: 'RAW',
          preallocate: 'SPARSE',
          diskType: 'DATA',
          desc: 'vm disk',
          srcImgUUID: BLANK_UUID,
          srcVolUUID: BLANK_UUID,
        }),
      );
      return { imgUUID, volUUID };
    },
    enginePath: (img, vol) => `/rhev/data-center/${spUUID}/${sdUUID}/images/${img}/${vol}`,
  };
}
