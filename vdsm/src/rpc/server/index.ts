import { reverse } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Config } from '@vdsm-ts/common/config';
import type { Logger, Logging } from '@vdsm-ts/common/logging';
import { BodyBudget } from '../body-budget.js';
import type { EventPublisher, JsonRpcEndpoint } from '../endpoint.js';
import { LogLimiter } from '../log-limiter.js';
import { Broker } from '../stomp/broker.js';
import { encodeError } from '../stomp/frame-writer.js';
import { DEFAULT_SESSION_LIMITS, destroyLater, type SessionLimits, StompSession } from '../stomp/session.js';
import { type AdmissionLimits, type Admitted, ConnectionAdmission, RefusalText } from './admission.js';
import { DETECT_BYTES, detectProtocol } from './detect.js';
import { WebSocketTransport } from './websocket.js';

export interface RpcServerOptions {
  readonly config: Config;
  readonly logging: Logging;
  readonly endpoint: JsonRpcEndpoint;
  /** TLS handshake and protocol detection timeouts (10 s each, as upstream). */
  readonly handshakeTimeoutMs?: number;
  readonly detectTimeoutMs?: number;
  readonly limits?: Partial<SessionLimits>;
  /** Connection limits; default from `[rpc] max_connections` and `max_connections_per_peer`. */
  readonly admission?: Partial<AdmissionLimits>;
  /** Descriptor limit the connection total stays below; default this process's RLIMIT_NOFILE. */
  readonly descriptorLimit?: number;
  /** Events published while this returns false are dropped, not queued (vdsm starting or recovering). */
  readonly isReady?: () => boolean;
}

export interface RpcServer {
  /** Where the server listens. */
  address(): { readonly address: string; readonly port: number; readonly family: string };
  /** Publishes a notification to every `jms.queue.events` subscriber and every WebSocket client. */
  readonly events: EventPublisher;
  /** Open connections (all protocols, detection included). */
  connectionCount(): number;
  /** The server-wide request body budget (for diagnostics and tests). */
  readonly budget: BodyBudget;
  /** The effective connection limits. */
  readonly admissionLimits: AdmissionLimits;
  /** Stops listening and closes every connection, flushing what is queued. */
  close(): Promise<void>;
}

const MONOTONIC_EPOCH = 2147483647;

/** `notify_time` as upstream: 2147483647 + monotonic milliseconds. */
export function notifyTime(): number {
  return MONOTONIC_EPOCH + Number(process.hrtime.bigint() / 1_000_000n);
}

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const { config, endpoint } = options;
  const log = options.logging.get('rpc.server');
  const limits: SessionLimits = {
    ...DEFAULT_SESSION_LIMITS,
    idleTimeoutMs: config.rpc.idle_timeout * 1000,
    ...options.limits,
  };
  const detectTimeout = options.detectTimeoutMs ?? 10_000;
  const eventQueue = config.addresses.event_queue;
  const broker = new Broker(eventQueue);
  const requestQueues = config.addresses.request_queues;
  const sockets = new Set<Socket>();
  const sessions = new Set<StompSession>();
  const stompLog = options.logging.get('rpc.stomp');
  const limitedLog = new LogLimiter(stompLog);
  const serverLog = new LogLimiter(log);
  const budget = new BodyBudget(config.rpc.body_budget_mb * 1024 * 1024);
  const admission = new ConnectionAdmission(
    {
      maxTotal: config.rpc.max_connections,
      maxPerPeer: config.rpc.max_connections_per_peer,
      ...options.admission,
    },
    options.descriptorLimit,
  );
  const ws = new WebSocketTransport({
    broker,
    endpoint,
    eventQueue,
    logger: options.logging.get('rpc.ws'),
    limits,
    budget,
  });

  /** Connections still in the TLS handshake or protocol detection: nothing to flush, so close() destroys them. */
  const pending = new Set<Socket>();

  const admitted = new WeakMap<Socket, Admitted>();

  const serve = (socket: Socket): void => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let received: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      log.info({ peer }, 'no protocol detected within the timeout; closing');
      socket.destroy();
    }, detectTimeout);
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      length += chunk.length;
      if (length < DETECT_BYTES) return;
      clearTimeout(timer);
      pending.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      const data = received.length === 1 ? (received[0] as Buffer) : Buffer.concat(received);
      received = [];
      const kind = detectProtocol(data, { http: true, stomp: true });
      if (kind === 'stomp') {
        const session = new StompSession({
          socket,
          broker,
          endpoint,
          requestQueues,
          logger: stompLog,
          peer,
          limits,
          budget,
          limitedLog,
          initial: data,
          onClose: () => sessions.delete(session),
        });
        sessions.add(session);
        const entry = admitted.get(socket);
        if (entry !== undefined) {
          entry.lastInput = () => session.lastInput;
          entry.evict = (text) => session.refuse(text);
        }
      } else if (kind === 'http') {
        ws.accept(socket, data);
      } else {
        log.info({ peer }, 'unrecognized protocol; closing');
        socket.destroy();
      }
    };
    const onEnd = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  };

  /** Admits a new TCP connection or refuses it (a STOMP ERROR where the bytes can be read: plain TCP). */
  const admit = (socket: Socket, plain: boolean): boolean => {
    const decision = admission.admit(socket);
    if ('refused' in decision) {
      serverLog.warn(
        `refused:${decision.refused}`,
        {
          peer: socket.remoteAddress,
          reason: decision.refused,
          connections: admission.size,
          limits: admission.limits,
        },
        'connection refused: limit reached',
      );
      socket.on('error', () => {});
      if (plain) {
        // read and drop what the client sends meanwhile: closing with unread input resets the connection
        socket.end(encodeError(RefusalText[decision.refused]));
        socket.once('end', () => socket.destroy());
        socket.resume();
        destroyLater(socket, 1000);
      } else socket.destroy();
      return false;
    }
    if (decision.evicted !== undefined) {
      serverLog.warn(
        'evicted',
        { peer: socket.remoteAddress, evicted: decision.evicted.peer, connections: admission.size },
        'connection limit reached: the least active connection of the busiest peer closed to admit a new peer',
      );
    }
    admitted.set(socket, decision.admitted);
    return true;
  };

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => log.debug({ err: err.message }, 'connection error'));
    socket.setNoDelay(true);
  };

  let server: Server;
  if (config.vars.ssl) {
    const [key, cert, ca] = await Promise.all([
      readPem(config.vars.ssl_key_file, 'vars/ssl_key_file'),
      readPem(config.vars.ssl_cert_file, 'vars/ssl_cert_file'),
      readPem(config.vars.ssl_ca_file, 'vars/ssl_ca_file'),
    ]);
    const handshakeMs = options.handshakeTimeoutMs ?? 10_000;
    const tlsServer = createTlsServer({
      key,
      cert,
      ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: config.vars.ssl_protocol === 'tls1.3' ? 'TLSv1.3' : 'TLSv1.2',
      handshakeTimeout: handshakeMs,
      allowHalfOpen: true,
    });
    const handshakes = new Map<string, { socket: Socket; timer: NodeJS.Timeout }>();
    const peerKey = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;
    tlsServer.on('connection', (socket: Socket) => {
      if (!admit(socket, false)) return;
      track(socket);
      pending.add(socket);
      const key = peerKey(socket);
      const timer = setTimeout(() => {
        log.info({ peer: key }, 'TLS handshake not done within the timeout; closing');
        socket.destroy();
      }, handshakeMs);
      handshakes.set(key, { socket, timer });
      socket.once('close', () => {
        clearTimeout(timer);
        pending.delete(socket);
        if (handshakes.get(key)?.socket === socket) handshakes.delete(key);
      });
    });
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      const key = peerKey(socket);
      const handshake = handshakes.get(key);
      if (handshake !== undefined) {
        clearTimeout(handshake.timer);
        pending.delete(handshake.socket);
        handshakes.delete(key);
        // admission saw the raw socket; the session will see this one
        const entry = admitted.get(handshake.socket);
        if (entry !== undefined) admitted.set(socket, entry);
      }
      if (!config.vars.verify_client_cert) return serve(socket);
      socket.pause();
      checkPeerName(socket, log).then(
        (ok) => {
          if (ok) {
            serve(socket);
            socket.resume();
          } else socket.destroy();
        },
        () => socket.destroy(),
      );
    });
    tlsServer.on('tlsClientError', (err, socket) => {
      log.info({ peer: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message }, 'TLS handshake failed');
    });
    server = tlsServer;
  } else {
    server = createNetServer({ allowHalfOpen: true }, (socket) => {
      if (!admit(socket, true)) return;
      track(socket);
      serve(socket);
    });
  }
  server.on('error', (err) => log.error({ err }, 'listener error'));

  await listen(server, config.addresses.management_ip, config.addresses.management_port, log);

  const events: EventPublisher = {
    publish(method, params) {
      if (options.isReady !== undefined && !options.isReady()) return;
      if (broker.subscriberCount === 0) return;
      const message = { jsonrpc: '2.0', method, params: { ...params, notify_time: notifyTime() } };
      broker.publish(Buffer.from(JSON.stringify(message)));
    },
  };

  return {
    address() {
      const a = server.address();
      if (a === null || typeof a === 'string') throw new Error('RPC server is not listening');
      return { address: a.address, port: a.port, family: a.family };
    },
    events,
    connectionCount: () => sockets.size,
    budget,
    admissionLimits: admission.limits,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      ws.close();
      for (const socket of pending) socket.destroy();
      for (const session of sessions) session.close();
      for (const socket of sockets) if (!socket.destroyed) socket.end();
      const deadline = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 2000);
      await closed;
      clearTimeout(deadline);
    },
  };
}

async function readPem(file: string, key: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`cannot read ${key} ${file}: ${code}`);
  }
}

function listen(server: Server, host: string, port: number, log: Logger): Promise<void> {
  const attempt = (h: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ host: h, port, ipv6Only: false }, () => {
        server.removeListener('error', onError);
        resolve();
      });
    });
  return attempt(host).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EAFNOSUPPORT' && (host === '::' || host === '::1')) {
      log.warn({ host }, 'IPv6 is not supported here; listening on 0.0.0.0');
      return attempt('0.0.0.0');
    }
    throw err;
  });
}

/** `[vars] verify_client_cert`: the certificate CN must name the peer (its address or a reverse-DNS name). */
async function checkPeerName(socket: TLSSocket, log: Logger): Promise<boolean> {
  const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (address.startsWith('127.') || address === '::1') return true;
  const cn = socket.getPeerCertificate().subject?.CN;
  const names = Array.isArray(cn) ? cn : cn === undefined ? [] : [cn];
  if (names.includes(address)) return true;
  if (isIP(address) !== 0) {
    const hostnames = await reverse(address).catch(() => [] as string[]);
    if (hostnames.some((h) => names.includes(h))) return true;
  }
  log.warn({ peer: address, cn: names }, 'client certificate does not name the peer; closing');
  return false;
}
