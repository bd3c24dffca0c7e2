import { connect, type Socket } from 'node:net';
import { isSupervdsmErrorCode, SupervdsmError, type SupervdsmErrorCode } from './errors.js';
import { OPERATIONS, type OperationName, type OpParams, type OpResult } from './operations.js';
import { encodeFrame, FrameDecoder, MAX_RESPONSE_BYTES, PROTOCOL_VERSION, type Response } from './protocol.js';

export interface SupervdsmClientOptions {
  readonly socketPath: string;
  /** How long a call keeps trying to (re)connect before failing with CONNECTION. */
  readonly connectTimeoutMs?: number;
  /** Extra time on top of the operation's server-side timeout before the client gives up on a reply. */
  readonly replyMarginMs?: number;
}

export interface CallOptions {
  /** Ask supervdsmd for a shorter limit than the operation's own (it never grants a longer one). */
  readonly timeoutMs?: number;
}

export type SupervdsmOps = {
  readonly [K in OperationName]: (params: OpParams<K>, options?: CallOptions) => Promise<OpResult<K>>;
};

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly op: string;
}

/**
 * vdsmd's handle on supervdsmd. One connection, many concurrent calls matched by id. When supervdsmd goes away
 * every pending call fails with CONNECTION and the next call connects again, retrying until its deadline.
 */
export class SupervdsmClient {
  readonly ops: SupervdsmOps;
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SupervdsmClientOptions) {
    const ops: Record<string, (params: unknown, options?: CallOptions) => Promise<unknown>> = {};
    for (const name of Object.keys(OPERATIONS) as OperationName[]) {
      ops[name] = (params, options) => this.call(name, params as never, options);
    }
    this.ops = ops as unknown as SupervdsmOps;
  }

  async call<K extends OperationName>(op: K, params: OpParams<K>, options: CallOptions = {}): Promise<OpResult<K>> {
    if (this.closed) throw new SupervdsmError('CONNECTION', 'client is closed', op);
    const socket = await this.ensureConnected(op);
    const id = this.nextId++;
    const limit = Math.min(OPERATIONS[op].timeoutMs, options.timeoutMs ?? Number.POSITIVE_INFINITY);
    const waitMs = limit + (this.options.replyMarginMs ?? 5000);
    const request =
      options.timeoutMs === undefined
        ? { v: PROTOCOL_VERSION, id, op, params }
        : { v: PROTOCOL_VERSION, id, op, params, timeoutMs: options.timeoutMs };
    return new Promise<OpResult<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.refWhileBusy(socket);
        reject(new SupervdsmError('TIMEOUT', `no reply to ${op} within ${waitMs} ms`, op));
      }, waitMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, op });
      this.refWhileBusy(socket);
      socket.write(encodeFrame(request));
    });
  }

  /** An idle connection must not keep the process alive; one with calls in flight must. */
  private refWhileBusy(socket: Socket): void {
    if (this.pending.size > 0) socket.ref();
    else socket.unref();
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }

  private ensureConnected(op: string): Promise<Socket> {
    if (this.socket !== null) return Promise.resolve(this.socket);
    this.connecting ??= this.connectWithRetry(op).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectWithRetry(op: string): Promise<Socket> {
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? 10_000);
    let lastError: Error | undefined;
    let delay = 20;
    while (Date.now() < deadline && !this.closed) {
      try {
        const socket = await this.connectOnce();
        if (this.closed) {
          socket.destroy();
          break;
        }
        this.attach(socket);
        return socket;
      } catch (err) {
        lastError = err as Error;
      }
      // Back off between attempts; supervdsmd may be restarting.
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 500);
    }
    throw new SupervdsmError(
      'CONNECTION',
      `cannot connect to supervdsm at ${this.options.socketPath}: ${lastError?.message ?? 'timed out'}`,
      op,
    );
  }

  private connectOnce(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.options.socketPath);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.refWhileBusy(socket);
    const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      let bodies: Buffer[];
      try {
        bodies = decoder.push(chunk);
      } catch (err) {
        socket.destroy(err as Error);
        return;
      }
      for (const body of bodies) this.onResponse(socket, body);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.failAll(
        (op) => new SupervdsmError('CONNECTION', `Broken communication with supervdsm. Failed call to ${op}`, op),
      );
    });
  }

  private failAll(makeError: (op: string) => SupervdsmError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(makeError(p.op));
    }
  }

  private onResponse(socket: Socket, body: Buffer): void {
    let message: Response;
    try {
      message = JSON.parse(body.toString('utf8')) as Response;
    } catch {
      socket.destroy(new Error('supervdsm sent invalid JSON'));
      return;
    }
    if (message.id === null) {
      // A connection-level refusal (e.g. PERMISSION_DENIED): every call on this connection gets it.
      if (!message.ok) {
        const { code, text } = errorOf(message.error);
        this.failAll((op) => new SupervdsmError(code, text, op));
      }
      return;
    }
    const p = this.pending.get(message.id);
    if (p === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    this.refWhileBusy(socket);
    if (message.ok) p.resolve(message.result);
    else {
      const { code, text } = errorOf(message.error);
      p.reject(new SupervdsmError(code, text, p.op));
    }
  }
}

function errorOf(error: { readonly code: unknown; readonly message: unknown }): {
  code: SupervdsmErrorCode;
  text: string;
} {
  return {
    code: isSupervdsmErrorCode(error.code) ? error.code : 'INTERNAL',
    text: typeof error.message === 'string' ? error.message : 'supervdsm reported an error without a message',
  };
}
