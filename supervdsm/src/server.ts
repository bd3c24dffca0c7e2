import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@vdsm-ts/common/logging';
import { encodeFrame } from '@vdsm-ts/supervdsm-protocol/protocol';
import type { Audit } from './audit.js';
import { Connection, refusal } from './connection.js';
import type { Dispatcher } from './dispatcher.js';
import { type PeerCred, type PeerPolicy, peerCredOf } from './peer.js';
import { prepareSocketPath, removeSocket, secureSocket } from './socket-file.js';

export interface ServerOptions {
  readonly socketPath: string;
  /** Group that owns the socket file (mode 0660). */
  readonly socketGid: number;
  readonly policy: PeerPolicy;
  readonly dispatcher: Dispatcher;
  readonly audit: Audit;
  readonly log: Logger;
}

/** supervdsmd's unix socket: checks every peer's credentials before reading a byte from it. */
export class SupervdsmServer {
  private readonly connections = new Set<Connection>();
  private inode = -1;

  private constructor(
    private readonly server: Server,
    private readonly options: ServerOptions,
  ) {}

  static async listen(options: ServerOptions): Promise<SupervdsmServer> {
    await prepareSocketPath(options.socketPath);
    const server = createServer();
    const self = new SupervdsmServer(server, options);
    server.on('connection', (socket) => self.accept(socket));
    // Created root-only and opened to the group only once owned by it: no window where others can connect.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(umask);
    }
    server.on('error', (err) => options.log.error({ err }, 'server error'));
    self.inode = await secureSocket(options.socketPath, options.socketGid);
    return self;
  }

  /** Stops accepting, lets running requests answer for up to graceMs, then drops every connection. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([...this.connections].map((c) => c.drained()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const c of this.connections) c.destroy();
    await closed;
    await removeSocket(this.options.socketPath, this.inode);
  }

  private accept(socket: Socket): void {
    const { log, policy, audit, dispatcher } = this.options;
    let peer: PeerCred;
    try {
      peer = peerCredOf(socket);
    } catch (err) {
      log.error({ err }, 'cannot read the peer credentials; dropping the connection');
      socket.destroy();
      return;
    }
    if (!policy.allows(peer)) {
      audit.refused(peer, `uid ${peer.uid} gid ${peer.gid} pid ${peer.pid} is not ${policy.describe()}`);
      socket.on('error', () => {});
      socket.pause();
      socket.end(encodeFrame(refusal(null, 'PERMISSION_DENIED', `uid ${peer.uid} may not use supervdsm`)));
      return;
    }
    log.debug({ peer }, 'connection accepted');
    const connection = new Connection(socket, peer, dispatcher, log);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }
}
