import { parseDaemonArgs } from '@vdsm-ts/common/daemon-args';
import { Logging } from '@vdsm-ts/common/logging';
import { notifyReady, notifyStopping } from '@vdsm-ts/native/sd-notify';
import { Audit } from './audit.js';
import { Dispatcher } from './dispatcher.js';
import { lookupGroup, lookupUser, PeerPolicy } from './peer.js';
import { HANDLERS } from './registry.js';
import { SupervdsmServer } from './server.js';

/** supervdsmd's wiring: configuration, logging, the caller policy, the socket server, signals. */
export async function main(argv: readonly string[]): Promise<void> {
  const { config, configFile } = await parseDaemonArgs(
    'supervdsmd',
    argv,
    { socket: { type: 'string', description: 'unix socket path (default from [supervdsm] socket)' } },
    (values): Record<string, Record<string, string>> =>
      typeof values.socket === 'string' ? { supervdsm: { socket: values.socket } } : {},
  );
  if (process.getuid?.() !== 0) {
    process.stderr.write('supervdsmd: must run as root\n');
    process.exit(1);
  }
  const logging = new Logging({ name: 'supervdsmd', level: config.logging.level, file: config.logging.file });
  const log = logging.get('main');
  const auditLogging =
    config.supervdsm.audit_file === ''
      ? logging
      : new Logging({ name: 'supervdsmd-audit', level: 'info', file: config.supervdsm.audit_file });
  const audit = new Audit(auditLogging.get('audit'));
  log.info({ configFile }, 'supervdsmd starting');

  const vdsm = await lookupUser(config.supervdsm.user);
  const gid = await lookupGroup(config.supervdsm.group);
  const policy = new PeerPolicy(vdsm);
  const dispatcher = new Dispatcher({ config, logging, audit, handlers: HANDLERS });
  const socketPath = config.supervdsm.socket;
  const server = await SupervdsmServer.listen({ socketPath, socketGid: gid, policy, dispatcher, audit, log });
  log.info({ socket: socketPath, allowed: policy.describe() }, `listening on ${socketPath}`);
  notifyReady(`listening on ${socketPath}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'supervdsmd stopping');
    notifyStopping();
    server
      .close()
      .catch((err: unknown) => log.error({ err }, 'error while closing the socket'))
      .finally(async () => {
        log.info('supervdsmd stopped');
        await auditLogging.flush();
        await logging.flush();
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
