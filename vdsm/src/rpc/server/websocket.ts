import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@vdsm-ts/common/logging';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { BodyBudget } from '../body-budget.js';
import type { JsonRpcEndpoint, RequestContext } from '../endpoint.js';
import type { Broker, MessageSink, Subscription } from '../stomp/broker.js';
import type { SessionLimits } from '../stomp/session.js';

export interface WebSocketTransportOptions {
  readonly broker: Broker;
  readonly endpoint: JsonRpcEndpoint;
  readonly eventQueue: string;
  readonly logger: Logger;
  readonly limits: SessionLimits;
  /** Server-wide budget for request bodies in memory (ws has read the message already; this bounds how many wait). */
  readonly budget?: BodyBudget;
}

/** A WebSocket client: JSON-RPC messages straight over WebSocket, events pushed as they are published. */
class WebSocketClient implements Subscription, MessageSink {
  readonly id: string;
  readonly sink: MessageSink = this;
  private inFlight = 0;
  private paused = false;
  private readonly context: RequestContext;

  constructor(
    private readonly ws: WebSocket,
    readonly destination: string,
    peer: string,
    private readonly options: WebSocketTransportOptions,
  ) {
    this.id = `ws:${peer}`;
    this.context = { transport: 'websocket', peer };
    options.broker.subscribe(this);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => options.broker.unsubscribe(this));
    ws.on('error', (err) => options.logger.debug({ peer, err: err.message }, 'websocket error'));
  }

  deliver(_sub: Subscription, _destination: string, body: Buffer): void {
    this.send(body);
  }

  private send(data: Buffer | string): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.options.limits.maxBuffered) {
      this.options.logger.warn({ peer: this.context.peer }, 'websocket client does not read; dropping it');
      ws.terminate();
      return;
    }
    ws.send(data, { binary: false });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const chunks = Array.isArray(data) ? data : Buffer.isBuffer(data) ? [data] : [Buffer.from(data)];
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    const early = this.options.endpoint.screen?.(chunks, bytes, this.context);
    if (early !== undefined) {
      this.send(early);
      return;
    }
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    if (isBinary) this.options.logger.debug({ peer: this.context.peer }, 'binary websocket message taken as text');
    if (this.options.budget !== undefined && !this.options.budget.reserve(bytes)) {
      this.options.logger.warn({ peer: this.context.peer, bytes }, 'request bodies exceed the server budget; closing');
      this.ws.close(1013, 'request bodies in memory exceed the server-wide budget');
      return;
    }
    this.inFlight++;
    if (this.inFlight >= this.options.limits.maxInFlight && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    let reply: Promise<string | undefined>;
    try {
      reply = this.options.endpoint.handle(text, this.context);
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (reply) => this.done(reply, bytes),
      (err: unknown) => {
        this.options.logger.error({ peer: this.context.peer, err }, 'endpoint rejected a request');
        this.done(undefined, bytes);
      },
    );
  }

  private done(reply: string | undefined, bytes: number): void {
    this.options.budget?.release(bytes);
    this.inFlight--;
    if (this.paused && this.inFlight < this.options.limits.maxInFlight) {
      this.paused = false;
      this.ws.resume();
    }
    if (reply !== undefined) this.send(reply);
  }
}

/**
 * The HTTP side of the API port. Only a WebSocket upgrade on `GET /` is served; the image upload/download server
 * that upstream runs on `PUT /` and `GET /` is not implemented and answers 501.
 */
export class WebSocketTransport {
  private readonly http = createHttpServer((req, res) => this.onRequest(req, res));
  private readonly wss: WebSocketServer;

  constructor(options: WebSocketTransportOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxFrameSize });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
        new WebSocketClient(ws, options.eventQueue, peer, options);
      });
    });
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Takes over a socket whose first bytes (already read) look like HTTP. */
  accept(socket: Socket, initial: Buffer): void {
    socket.unshift(initial);
    this.http.emit('connection', socket);
  }

  close(): void {
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  private onRequest(_req: IncomingMessage, res: ServerResponse): void {
    const body = 'Not implemented: this port serves STOMP and JSON-RPC over WebSocket only\n';
    res.writeHead(501, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  }
}
