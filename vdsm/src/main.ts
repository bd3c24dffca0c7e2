import { parseDaemonArgs } from '@vdsm-ts/common/daemon-args';
import { Logging } from '@vdsm-ts/common/logging';
import { notifyReady, notifyStopping, startWatchdog } from '@vdsm-ts/native/sd-notify';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { createApi } from './api/index.js';
import { Dispatcher } from './rpc/jsonrpc/dispatcher.js';
import { type RpcServer, startRpcServer } from './rpc/server/index.js';
import { createStorageService } from './storage/index.js';
import { createVirt, type DrivePreparer } from './virt/index.js';

/** vdsmd's wiring: configuration, logging, then the services and servers. Nothing else lives here. */
export async function main(argv: readonly string[]): Promise<void> {
  const { config, configFile } = await parseDaemonArgs('vdsmd', argv);
  const logging = new Logging({ name: 'vdsmd', level: config.logging.level, file: config.logging.file });
  const log = logging.get('main');
  log.info({ configFile }, 'vdsmd starting');

  let ready = false;
  let server: RpcServer | undefined;
  // Connects lazily on the first privileged call and reconnects when supervdsmd restarts.
  const supervdsm = new SupervdsmClient({ socketPath: config.supervdsm.socket });
  const storage = createStorageService(config, supervdsm, logging.get('storage'));
  // VM.create prepares drives naming oVirt images through storage's Image.prepare / Image.teardown.
  const drives: DrivePreparer = {
    prepare: async (image) => {
      const ref = { spUUID: image.poolID, sdUUID: image.domainID, imgUUID: image.imageID, volUUID: image.volumeID };
      return (await storage.volumes.prepareImage(ref, false)).path;
    },
    teardown: (image) => storage.volumes.teardownImage(image.domainID, image.imageID),
  };
  // VM status events go out through the RPC server once it runs (events before ready are dropped anyway).
  const virt = createVirt({
    config,
    logging,
    drives,
    publish: (method, params) => server?.events.publish(method, params),
  });
  const api = createApi({ config, logging, virt, supervdsm, storage });
  const dispatcher = new Dispatcher({
    methods: api.methods,
    logger: logging.get('jsonrpc'),
    maxBatchSize: config.rpc.max_batch_size,
  });
  server = await startRpcServer({ config, logging, endpoint: dispatcher, isReady: () => ready });
  const { address, port } = server.address();
  const where = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  // Until libvirt is connected and running VMs are recovered, every call is answered with code 99.
  await virt.start();
  dispatcher.setReady(true);
  ready = true;
  log.info({ address, port, tls: config.vars.ssl }, `serving on ${where}`);
  notifyReady(`serving on ${where}`);
  const stopWatchdog = startWatchdog();

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'vdsmd stopping');
    notifyStopping();
    stopWatchdog();
    dispatcher.setReady(false);
    ready = false;
    server
      .close()
      .catch((err: unknown) => log.error({ err }, 'error while closing the RPC server'))
      .then(() => virt.stop())
      .catch((err: unknown) => log.error({ err }, 'error while stopping the virt layer'))
      .then(() => storage.close())
      .catch((err: unknown) => log.error({ err }, 'error while stopping the storage layer'))
      .finally(() => {
        api.close();
        supervdsm.close();
        log.info('vdsmd stopped');
        return logging.flush();
      })
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
