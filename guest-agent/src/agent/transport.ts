/**
 * The byte pipe under the channel. Two kinds, chosen by what the path is when it is opened:
 *  - a character device (the virtio-serial port): opened read-write and non-blocking, and polled;
 *    a 0-byte read means no host is attached, so it looks again a second later (as upstream does);
 *  - a UNIX socket: connected as a client, and reconnected a second after the host side goes away.
 * Neither parses anything; bytes go up through `onData`.
 */
import { promises as fs, constants as fsConstants, type Stats } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { isatty } from 'node:tty';
import type { Logger } from './log.js';

export const RETRY_DELAY_MS = 1000;
const READ_SIZE = 4096;
/** Outgoing bytes held while the host is slow or absent; older messages are dropped beyond this. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export interface TransportEvents {
  onData(chunk: Buffer): void;
  /** the pipe is (again) usable: the socket connected, or the device was opened */
  onConnected(): void;
  /** the peer went away or the pipe failed; anything half-read is gone */
  onDisconnected(reason: string): void;
}

export interface Transport {
  readonly kind: 'device' | 'socket';
  start(): void;
  /**
   * Queues one encoded message; while no host is attached it waits in a bounded queue (oldest dropped
   * first). False when it was refused outright (closed, or the host is not reading).
   */
  write(data: Buffer): boolean;
  /** Waits (at most `timeoutMs`) for queued bytes to go out, then closes. */
  close(timeoutMs: number): Promise<void>;
  readonly connected: boolean;
  readonly droppedMessages: number;
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

class SocketTransport implements Transport {
  readonly kind = 'socket';
  #socket: Socket | undefined;
  #connected = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #dropped = 0;
  #failures = 0;
  /** messages written while no host is connected, sent on connect (as a blocking port write would) */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(
    private readonly path: string,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.#connected;
  }

  get droppedMessages(): number {
    return this.#dropped;
  }

  start(): void {
    this.#connect();
  }

  #connect(): void {
    this.#retry = undefined;
    if (this.#closed) return;
    const socket = createConnection({ path: this.path });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      this.#failures = 0;
      this.log.info('channel connected', { path: this.path });
      this.events.onConnected();
      for (const data of this.#pending) socket.write(data);
      this.#pending = [];
      this.#pendingBytes = 0;
    });
    socket.on('data', (chunk: Buffer) => this.events.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Logged once per outage; 'close' follows and schedules the retry.
      if (this.#failures++ === 0)
        this.log.warn('channel socket error', { path: this.path, code: err.code ?? err.message });
    });
    socket.on('close', () => {
      const was = this.#connected;
      this.#connected = false;
      this.#socket = undefined;
      if (was) {
        this.log.info('channel disconnected', { path: this.path });
        this.events.onDisconnected('host closed the socket');
      }
      if (!this.#closed) this.#retry = setTimeout(() => this.#connect(), RETRY_DELAY_MS);
    });
  }

  write(data: Buffer): boolean {
    if (this.#closed) return false;
    const socket = this.#socket;
    if (!this.#connected || socket === undefined) {
      while (this.#pendingBytes + data.length > MAX_QUEUED_BYTES && this.#pending.length > 0) {
        this.#pendingBytes -= this.#pending.shift()?.length ?? 0;
        this.#dropped++;
      }
      this.#pending.push(data);
      this.#pendingBytes += data.length;
      return true;
    }
    if (socket.writableLength + data.length > MAX_QUEUED_BYTES) {
      this.#dropped++;
      return false;
    }
    socket.write(data);
    return true;
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const socket = this.#socket;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }
}

/** Idle polling of the port: quick right after traffic, backing off to this while nothing happens. */
const POLL_MIN_MS = 10;
const POLL_MAX_MS = 250;

function isAgain(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/**
 * The port is opened non-blocking and polled: Node cannot watch a character device for readiness, and a
 * blocking read would pin a thread-pool thread that nothing can interrupt (not even process exit).
 * A read of 0 bytes means no host is attached; EAGAIN means the host is there but quiet.
 */
class DeviceTransport implements Transport {
  readonly kind = 'device';
  #handle: fs.FileHandle | undefined;
  #closed = false;
  #connected = false;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #writing = false;
  #drained: (() => void) | undefined;
  #dropped = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly path: string,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.#connected;
  }

  get droppedMessages(): number {
    return this.#dropped;
  }

  start(): void {
    void this.#readLoop();
  }

  async #open(): Promise<fs.FileHandle | undefined> {
    let failures = 0;
    const flags = fsConstants.O_RDWR | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;
    while (!this.#closed) {
      try {
        const handle = await fs.open(this.path, flags);
        this.log.info('channel opened', { path: this.path });
        return handle;
      } catch (err) {
        if (failures++ === 0) {
          this.log.warn('cannot open channel device', { path: this.path, code: (err as NodeJS.ErrnoException).code });
        }
        await delay(RETRY_DELAY_MS, this.#timers);
      }
    }
    return undefined;
  }

  async #readLoop(): Promise<void> {
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    while (!this.#closed) {
      const handle = await this.#open();
      if (handle === undefined) return;
      this.#handle = handle;
      this.#connected = true;
      this.events.onConnected();
      this.#kickWriter();
      let hostAbsent = false;
      let idleMs = POLL_MIN_MS;
      // A virtio port reads 0 bytes while no host is attached and works again when one attaches; a
      // terminal (a pty standing in for the port) reads 0 bytes after a hangup and never recovers.
      const hangupIsFinal = isatty(handle.fd);
      try {
        while (!this.#closed) {
          let bytesRead = -1;
          try {
            ({ bytesRead } = await handle.read(buffer, 0, READ_SIZE, null));
          } catch (err) {
            if (!isAgain(err)) throw err;
          }
          if (bytesRead > 0) {
            hostAbsent = false;
            idleMs = POLL_MIN_MS;
            this.events.onData(Buffer.from(buffer.subarray(0, bytesRead)));
            continue;
          }
          if (bytesRead === 0 && hangupIsFinal) throw Object.assign(new Error('hung up'), { code: 'HANGUP' });
          if (bytesRead === 0) {
            // No host on the other end of the port: look again a second later, as upstream does.
            if (!hostAbsent) this.events.onDisconnected('no host attached');
            hostAbsent = true;
            await delay(RETRY_DELAY_MS, this.#timers);
            continue;
          }
          hostAbsent = false;
          await delay(idleMs, this.#timers);
          idleMs = Math.min(idleMs * 2, POLL_MAX_MS);
        }
      } catch (err) {
        if (this.#closed) break;
        this.log.warn('channel read failed; reopening', { path: this.path, code: (err as NodeJS.ErrnoException).code });
        this.events.onDisconnected('read failed');
      }
      this.#connected = false;
      this.#handle = undefined;
      await handle.close().catch(() => {});
      if (!this.#closed) await delay(RETRY_DELAY_MS, this.#timers);
    }
  }

  write(data: Buffer): boolean {
    if (this.#closed) return false;
    while (this.#queuedBytes + data.length > MAX_QUEUED_BYTES && this.#queue.length > 0) {
      this.#queuedBytes -= this.#queue.shift()?.length ?? 0;
      this.#dropped++;
    }
    this.#queue.push(data);
    this.#queuedBytes += data.length;
    this.#kickWriter();
    return true;
  }

  #kickWriter(): void {
    if (this.#writing || this.#handle === undefined || this.#queue.length === 0) return;
    this.#writing = true;
    void this.#writeLoop(this.#handle);
  }

  async #writeLoop(handle: fs.FileHandle): Promise<void> {
    let offset = 0;
    let waitMs = POLL_MIN_MS;
    try {
      for (let data = this.#queue[0]; data !== undefined && this.#handle === handle; data = this.#queue[0]) {
        try {
          offset += (await handle.write(data, offset, data.length - offset, null)).bytesWritten;
          waitMs = POLL_MIN_MS;
        } catch (err) {
          if (!isAgain(err)) throw err;
          // No host attached, or its buffer is full: the message waits in the queue.
          await delay(waitMs, this.#timers);
          waitMs = Math.min(waitMs * 2, RETRY_DELAY_MS);
          continue;
        }
        if (offset >= data.length) {
          this.#queue.shift();
          this.#queuedBytes -= data.length;
          offset = 0;
        }
      }
    } catch (err) {
      this.log.warn('channel write failed', { path: this.path, code: (err as NodeJS.ErrnoException).code });
    } finally {
      this.#writing = false;
      if (this.#queue.length === 0) this.#drained?.();
      else if (this.#handle !== undefined && this.#handle !== handle && !this.#closed) this.#kickWriter();
    }
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#queue.length > 0 && this.#handle !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#kickWriter();
      });
    }
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#handle?.close().catch(() => {});
    this.#handle = undefined;
  }
}

/**
 * Picks the transport by what `path` is once it exists (udev may not have created the port yet): a UNIX
 * socket is connected to, anything else is opened. Resolves undefined if `cancelled()` turns true first.
 */
export async function openTransport(
  path: string,
  events: TransportEvents,
  log: Logger,
  cancelled: () => boolean = () => false,
): Promise<Transport | undefined> {
  const timers = new Set<NodeJS.Timeout>();
  let stats: Stats | undefined;
  for (let attempt = 0; stats === undefined && !cancelled(); attempt++) {
    stats = await fs.stat(path).catch(() => undefined);
    if (stats !== undefined) break;
    if (attempt === 0) log.warn('channel does not exist yet; waiting for it', { path });
    await delay(RETRY_DELAY_MS, timers);
  }
  if (stats === undefined) return undefined;
  const transport = stats.isSocket() ? new SocketTransport(path, events, log) : new DeviceTransport(path, events, log);
  transport.start();
  return transport;
}
