// A LOCALFS data center through a real vdsmd, built with the engine's verbs: storage connection, domain, pool,
// SPM, and RAW volumes on demand. For the tests of VM drives naming oVirt images.

import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigSections } from '@vdsm-ts/testing/vdsm-conf';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import type { VdsmClient } from '../../src/client/index.js';

const BLANK = '00000000-0000-0000-0000-000000000000';

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
  await call('StoragePool.connectStorageServer', {
    storagepoolID: BLANK,
    domainType: 4,
    connectionParams: [{ id: randomUUID(), connection: shared }],
  });
  await call('StorageDomain.create', {
    storagedomainID: sdUUID,
    domainType: 'LOCALFS',
    typeArgs: { remotePath: shared },
    name: 'vm data',
    domainClass: 'Data',
    version: 5,
    blockSize: 512,
    maxHosts: 250,
  });
  await call('StoragePool.create', {
    storagepoolID: spUUID,
    name: 'dc',
    masterSdUUID: sdUUID,
    masterVersion: 1,
    domainList: [sdUUID],
    lockRenewalIntervalSec: 5,
    leaseTimeSec: 60,
    ioOpTimeoutSec: 10,
    leaseRetries: 3,
  });
  await call('StoragePool.connect', {
    storagepoolID: spUUID,
    hostID: 1,
    scsiKey: spUUID,
    masterSdUUID: sdUUID,
    masterVersion: 1,
    domainDict: { [sdUUID]: 'active' },
  });
  await waitTask(
    await call<string>('StoragePool.spmStart', {
      storagepoolID: spUUID,
      prevID: -1,
      prevLver: '-1',
      enableScsiFencing: 'false',
      maxHostID: 250,
      domVersion: '5',
    }),
  );
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
          srcImgUUID: BLANK,
          srcVolUUID: BLANK,
        }),
      );
      return { imgUUID, volUUID };
    },
    enginePath: (img, vol) => `/rhev/data-center/${spUUID}/${sdUUID}/images/${img}/${vol}`,
  };
}
