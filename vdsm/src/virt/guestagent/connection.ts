/**
 * A client connection to the channel socket QEMU listens on (`<channel type='unix'><source mode='bind'>`). It
 * keeps trying: the socket does not exist until QEMU starts, and disappears (or refuses) when QEMU goes away.
 * Retries back off exponentially; the failure count only resets when the peer sends data (upstream resets on
 * data too), so a socket that accepts and drops at once does not spin.
 */
import { createConnection, type Socket } from 'node:net';

export interface RetryPolicy {
  /** delay before the first retry */
  readonly initialMs: number;
  /** the longest delay between attempts (upstream: guest_agent_timeout, 30 s) */
  readonly maxMs: number;
}

export interface ConnectionHandlers {
  connected(): void;
  data(chunk: Buffer): void;
  /** `reason` is the error code, or 'closed' when the peer hung up */
  disconnected(reason: string): void;
}

/** Commands queued in the kernel and our buffer beyond this are refused rather than piled up. */
const MAX_WRITE_BACKLOG = 1024 * 1024;

export class ChannelConnection {
  readonly #path: string;
  readonly #retry: RetryPolicy;
  readonly #handlers: ConnectionHandlers;
  #socket: Socket | undefined;
  #connected = false;
  #running = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #attempts = 0;

  constructor(path: string, retry: RetryPolicy, handlers: ConnectionHandlers) {
    this.#path = path;
    this.#retry = retry;
    this.#handlers = handlers;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** connection attempts so far */
  get attempts(): number {
    return this.#attempts;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#connected = false;
    socket?.destroy();
  }

  /** Queues bytes for the peer; false when not connected or too much is already waiting. */
  write(data: Buffer): boolean {
    const socket = this.#socket;
    if (!this.#connected || socket === undefined) return false;
    if (socket.writableLength + data.length > MAX_WRITE_BACKLOG) return false;
    socket.write(data);
    return true;
  }

  #connect(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    this.#attempts++;
    const socket = createConnection({ path: this.#path });
    this.#socket = socket;
    let failure = 'closed';
    socket.on('connect', () => {
      if (this.#socket !== socket) return;
      this.#connected = true;
      this.#handlers.connected();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      this.#failures = 0;
      this.#handlers.data(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failure = err.code ?? err.message;
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      const wasConnected = this.#connected;
      this.#socket = undefined;
      this.#connected = false;
      if (wasConnected) this.#handlers.disconnected(failure);
      this.#scheduleRetry();
    });
  }

  #scheduleRetry(): void {
    if (!this.#running) return;
    const delay = Math.min(this.#retry.initialMs * 2 ** Math.min(this.#failures, 30), this.#retry.maxMs);
    this.#failures++;
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
