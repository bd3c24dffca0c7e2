import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type ClientTlsOptions, VdsmConnectionError, VdsmRpcError, VdsmTimeoutError } from './errors.js';
import { type ClientTransport, openStomp, openWebSocket, type TransportTarget } from './transport.js';

export { type ClientTlsOptions, VdsmConnectionError, VdsmRpcError, VdsmTimeoutError } from './errors.js';

export interface ClientOptions {
  /** Default 'localhost'. */
  host: string;
  /** Default 54321. */
  port: number;
  /** false = plain TCP (vdsm-client --insecure). */
  tls: ClientTlsOptions | false;
  /** Default 'stomp'. */
  transport?: 'stomp' | 'websocket';
  /** Per call, default 60000. */
  timeoutMs?: number;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** Reconnect with backoff after the connection drops (default true). */
  reconnect?: boolean;
  /** Default 'jms.topic.vdsm_requests'. */
  requestQueue?: string;
  /** Default 'jms.queue.events'. */
  eventQueue?: string;
}

export type BatchEntry = { result: unknown } | { error: { code: number; message: string } };
export type EventHandler = (method: string, params: Record<string, unknown>) => void;

type Params = Record<string, unknown> | unknown[];

interface Pending {
  settle(message: ReplyObject): void;
  fail(err: Error): void;
}

interface ReplyObject {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * A vdsmd client: JSON-RPC calls over STOMP (TCP/TLS) or WebSocket, replies matched by id, events, and
 * reconnection with backoff. Emits 'event' (method, params), 'connected' and 'disconnected' (error).
 */
export class VdsmClient extends EventEmitter {
  private transport: ClientTransport | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly eventHandlers = new Set<EventHandler>();
  private readonly target: TransportTarget;
  private readonly timeoutMs: number;
  private readonly reconnect: boolean;
  private closed = false;
  private backoff = BACKOFF_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: ClientOptions) {
    super();
    this.target = {
      host: options.host || 'localhost',
      port: options.port || 54321,
      tls: options.tls,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestQueue: options.requestQueue ?? 'jms.topic.vdsm_requests',
      eventQueue: options.eventQueue ?? 'jms.queue.events',
    };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.reconnect = options.reconnect ?? true;
  }

  static async connect(options: ClientOptions): Promise<VdsmClient> {
    const client = new VdsmClient(options);
    try {
      client.transport = await client.open();
    } catch (err) {
      throw client.connectionError(err);
    }
    return client;
  }

  get isConnected(): boolean {
    return this.transport !== undefined;
  }

  async call<T = unknown>(
    method: string,
    params: Params = {},
    opts: { timeoutMs?: number; flowId?: string } = {},
  ): Promise<T> {
    const id = randomUUID();
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id });
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const reply = await this.exchange([id], body, timeoutMs, opts.flowId, `${method} timed out after ${timeoutMs} ms`);
    const message = reply[0] as ReplyObject;
    if (message.error !== undefined) throw toRpcError(message.error);
    return message.result as T;
  }

  async batch(
    calls: ReadonlyArray<{ method: string; params?: Params }>,
    opts: { timeoutMs?: number } = {},
  ): Promise<BatchEntry[]> {
    if (calls.length === 0) return [];
    const ids = calls.map(() => randomUUID());
    const body = JSON.stringify(
      calls.map((c, i) => ({ jsonrpc: '2.0', method: c.method, params: c.params ?? {}, id: ids[i] })),
    );
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const replies = await this.exchange(ids, body, timeoutMs, undefined, `batch timed out after ${timeoutMs} ms`);
    return replies.map((m) => {
      if (m.error === undefined) return { result: m.result };
      const e = toRpcError(m.error);
      return { error: { code: e.code, message: e.message } };
    });
  }

  /** Calls `handler` for every event; returns a function that stops it. */
  subscribeEvents(handler: EventHandler): () => void {
    this.eventHandlers.add(handler);
    if (this.eventHandlers.size === 1) this.transport?.subscribeEvents();
    return () => {
      if (!this.eventHandlers.delete(handler)) return;
      if (this.eventHandlers.size === 0) this.transport?.unsubscribeEvents();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    const transport = this.transport;
    this.transport = undefined;
    this.failAll(new VdsmConnectionError('client closed'));
    if (transport !== undefined) await transport.close();
  }

  private open(): Promise<ClientTransport> {
    const handlers = {
      onMessage: (text: string) => this.onMessage(text),
      onClose: (error: Error | undefined) => this.onTransportClose(error),
    };
    return this.options.transport === 'websocket'
      ? openWebSocket(this.target, handlers)
      : openStomp(this.target, handlers);
  }

  private connectionError(err: unknown): VdsmConnectionError {
    const { host, port, tls } = this.target;
    const reason = err instanceof Error ? err.message : String(err);
    return new VdsmConnectionError(`Connection to ${host}:${port} with use_tls=${tls !== false} failed: ${reason}`);
  }

  /** Sends one message and waits for a reply to each id (in the order given). */
  private async exchange(
    ids: readonly string[],
    body: string,
    timeoutMs: number,
    flowId: string | undefined,
    timeoutText: string,
  ): Promise<ReplyObject[]> {
    const deadline = Date.now() + timeoutMs;
    const transport = this.transport ?? (await this.waitForConnection(deadline, timeoutText));
    const replies: ReplyObject[] = new Array(ids.length);
    let left = ids.length;
    return new Promise<ReplyObject[]>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        for (const id of ids) this.pending.delete(id);
      };
      const timer = setTimeout(
        () => {
          cleanup();
          reject(new VdsmTimeoutError(timeoutText));
        },
        Math.max(0, deadline - Date.now()),
      );
      ids.forEach((id, i) => {
        this.pending.set(id, {
          settle(message) {
            replies[i] = message;
            if (--left === 0) {
              cleanup();
              resolve(replies);
            }
          },
          fail(err) {
            cleanup();
            reject(err);
          },
        });
      });
      if (!transport.send(body, flowId)) {
        cleanup();
        reject(new VdsmConnectionError('connection lost'));
      }
    });
  }

  private waitForConnection(deadline: number, timeoutText: string): Promise<ClientTransport> {
    if (this.closed || !this.reconnect) return Promise.reject(new VdsmConnectionError('not connected'));
    return new Promise((resolve, reject) => {
      const onConnected = (): void => {
        clearTimeout(timer);
        if (this.transport !== undefined) resolve(this.transport);
        else reject(new VdsmConnectionError('not connected'));
      };
      const timer = setTimeout(
        () => {
          this.removeListener('connected', onConnected);
          reject(new VdsmTimeoutError(`${timeoutText} (not connected)`));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.once('connected', onConnected);
    });
  }

  private onMessage(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not JSON: nothing we could match it to
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    for (const m of messages) {
      if (m === null || typeof m !== 'object') continue;
      const message = m as ReplyObject;
      if (typeof message.id === 'string') {
        this.pending.get(message.id)?.settle(message);
      } else if (typeof message.method === 'string' && message.id === undefined) {
        const params = (message.params !== null && typeof message.params === 'object' ? message.params : {}) as Record<
          string,
          unknown
        >;
        for (const handler of this.eventHandlers) handler(message.method, params);
        this.emit('event', message.method, params);
      }
    }
  }

  private failAll(err: Error): void {
    for (const p of [...this.pending.values()]) p.fail(err);
    this.pending.clear();
  }

  private onTransportClose(error: Error | undefined): void {
    this.transport = undefined;
    this.failAll(new VdsmConnectionError(`connection lost${error === undefined ? '' : `: ${error.message}`}`));
    this.emit('disconnected', error);
    if (!this.closed && this.reconnect) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open().then(
        (transport) => {
          if (this.closed) {
            transport.destroy();
            return;
          }
          this.transport = transport;
          this.backoff = BACKOFF_MIN_MS;
          if (this.eventHandlers.size > 0) transport.subscribeEvents();
          this.emit('connected');
        },
        () => {
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delay);
  }
}

function toRpcError(error: { readonly code?: unknown; readonly message?: unknown }): VdsmRpcError {
  const code = typeof error.code === 'number' ? error.code : -32603;
  const message = typeof error.message === 'string' ? error.message : 'error without a message';
  return new VdsmRpcError(code, message);
}
