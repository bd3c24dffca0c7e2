import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import { StompClientConnection } from '../rpc/stomp/client.js';
import type { ClientTlsOptions } from './errors.js';

/** One live connection of a VdsmClient, whatever carries it. */
export interface ClientTransport {
  /** Sends one JSON-RPC message (request or batch); false when the connection is gone. */
  send(body: string, flowId?: string): boolean;
  subscribeEvents(): void;
  unsubscribeEvents(): void;
  close(): Promise<void>;
  destroy(): void;
}

export interface TransportHandlers {
  /** A JSON-RPC message from the server: a reply or an event. */
  onMessage(text: string): void;
  onClose(error: Error | undefined): void;
}

export interface TransportTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: ClientTlsOptions | false;
  readonly connectTimeoutMs: number;
  readonly requestQueue: string;
  readonly eventQueue: string;
}

function openSocket(target: TransportTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const { host, port, tls } = target;
    const socket =
      tls === false
        ? netConnect({ host, port })
        : // the server is checked against the CA only: no host-name check and no SNI, as vdsm-client
          tlsConnect({
            host,
            port,
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            rejectUnauthorized: true,
            checkServerIdentity: () => undefined,
          });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out after ${target.connectTimeoutMs} ms`));
    }, target.connectTimeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once(tls === false ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

export async function openStomp(target: TransportTarget, handlers: TransportHandlers): Promise<ClientTransport> {
  const socket = await openSocket(target);
  let eventsSubscription: string | undefined;
  let opened = false;
  const conn = new StompClientConnection(socket, {
    onMessage(_sub, _destination, body) {
      handlers.onMessage(body.toString('utf8'));
    },
    onClose(error) {
      if (opened) handlers.onClose(error);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no CONNECTED within ${target.connectTimeoutMs} ms`));
    }, target.connectTimeoutMs);
  });
  try {
    await Promise.race([conn.handshake(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  opened = true;
  return {
    send: (body, flowId) => conn.send(target.requestQueue, Buffer.from(body), flowId),
    subscribeEvents() {
      eventsSubscription ??= conn.subscribe(target.eventQueue);
    },
    unsubscribeEvents() {
      if (eventsSubscription !== undefined) conn.unsubscribe(eventsSubscription);
      eventsSubscription = undefined;
    },
    close: () => conn.close(),
    destroy: () => conn.destroy(),
  };
}

// Node's tls takes a truthy return as a failure; @types/ws declares boolean, so cast the tls-shaped "accept".
const noHostCheck = (() => undefined) as unknown as () => boolean;

export async function openWebSocket(target: TransportTarget, handlers: TransportHandlers): Promise<ClientTransport> {
  const { host, port, tls } = target;
  const url = `${tls === false ? 'ws' : 'wss'}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const wsOptions: WebSocket.ClientOptions = {
    handshakeTimeout: target.connectTimeoutMs,
    perMessageDeflate: false,
    ...(tls === false
      ? {}
      : { key: tls.key, cert: tls.cert, ca: tls.ca, rejectUnauthorized: true, checkServerIdentity: noHostCheck }),
  };
  const ws = new WebSocket(url, wsOptions);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let closing = false;
  ws.on('error', () => {});
  ws.on('message', (data: Buffer) => handlers.onMessage(data.toString('utf8')));
  ws.on('close', () => handlers.onClose(closing ? undefined : new Error('connection closed by the server')));
  return {
    send(body) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(body);
      return true;
    },
    // the server pushes events to every WebSocket client
    subscribeEvents() {},
    unsubscribeEvents() {},
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    },
    destroy() {
      closing = true;
      ws.terminate();
    },
  };
}
