import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { StompFrame } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { encodeFrame } from './frame-writer.js';

/** What vdsm-client sends: no outgoing beats, and it wants one from the server every 24 s (30 s × 0.8). */
export const CLIENT_HEARTBEAT = '0,24000';
/** Silence from the server beyond this many beat intervals means the connection is dead. */
const MISSED_BEATS = 2;

export interface StompClientHandlers {
  /** A MESSAGE on one of our subscriptions. */
  onMessage(subscriptionId: string, destination: string, body: Buffer): void;
  /** The connection is gone; `error` says why when it was not our own close. */
  onClose(error: Error | undefined): void;
}

/**
 * The client side of one STOMP connection, framed as vdsm-client frames it: CONNECT (`accept-version:1.2`,
 * `heart-beat:0,24000`) and SUBSCRIBE to a random reply queue back-to-back, then SENDs with `reply-to`.
 */
export class StompClientConnection {
  readonly replyQueue = randomUUID();
  private readonly replySubscription = randomUUID();
  private readonly parser: FrameParser;
  private connected = false;
  private waitConnected: { resolve(): void; reject(err: Error): void } | undefined;
  private receipts = new Map<string, () => void>();
  private lastRead = Date.now();
  private beatTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private closeError: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: StompClientHandlers,
    maxFrameSize?: number,
  ) {
    this.parser = new FrameParser((frame) => this.onFrame(frame), maxFrameSize === undefined ? {} : { maxFrameSize });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.lastRead = Date.now();
      const err = this.parser.push(chunk);
      if (err !== undefined) this.fail(new Error(`bad frame from server: ${err.message}`));
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      if (this.beatTimer !== undefined) clearTimeout(this.beatTimer);
      const err = this.closing ? undefined : (this.closeError ?? new Error('connection closed by the server'));
      this.waitConnected?.reject(err ?? new Error('connection closed'));
      this.waitConnected = undefined;
      for (const done of this.receipts.values()) done();
      this.receipts.clear();
      this.handlers.onClose(err);
    });
  }

  /** Sends CONNECT and SUBSCRIBE to the reply queue; resolves on CONNECTED. */
  handshake(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waitConnected = { resolve, reject };
      this.socket.cork();
      this.socket.write(
        encodeFrame('CONNECT', [
          ['accept-version', '1.2'],
          ['heart-beat', CLIENT_HEARTBEAT],
        ]),
      );
      this.subscribe(this.replyQueue, this.replySubscription);
      this.socket.uncork();
    });
  }

  subscribe(destination: string, id: string = randomUUID()): string {
    this.socket.write(
      encodeFrame('SUBSCRIBE', [
        ['destination', destination],
        ['ack', 'auto'],
        ['id', id],
      ]),
    );
    return id;
  }

  unsubscribe(id: string): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame('UNSUBSCRIBE', [['id', id]]));
  }

  /** SEND of one JSON-RPC message to a request queue, with our reply queue as reply-to; false when closed. */
  send(destination: string, body: Buffer, flowId?: string): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    const headers: Array<readonly [string, string]> = [
      ['destination', destination],
      ['content-type', 'application/json'],
      ['reply-to', this.replyQueue],
    ];
    if (flowId !== undefined) headers.push(['ovirtCorrelationId', flowId]);
    // a full socket buffer is not a failure: the bytes are queued
    this.socket.write(encodeFrame('SEND', headers, body));
    return true;
  }

  get isConnected(): boolean {
    return this.connected && !this.socket.destroyed;
  }

  /** UNSUBSCRIBE from the reply queue, DISCONNECT with a receipt, then close (bounded by `timeoutMs`). */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.socket.destroyed) return;
    this.closing = true;
    const receipt = randomUUID();
    const gotReceipt = new Promise<void>((resolve) => {
      this.receipts.set(receipt, resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
    this.unsubscribe(this.replySubscription);
    this.socket.write(encodeFrame('DISCONNECT', [['receipt', receipt]]));
    await gotReceipt;
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), timeoutMs).unref();
    });
  }

  destroy(error?: Error): void {
    if (error === undefined) this.closing = true;
    else this.closeError ??= error;
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.closeError ??= err;
    this.socket.destroy();
  }

  private onFrame(frame: StompFrame): void {
    switch (frame.command) {
      case 'MESSAGE': {
        const sub = frame.headers.get('subscription') ?? '';
        const destination = frame.headers.get('destination') ?? '';
        this.handlers.onMessage(sub, destination, frame.body);
        return;
      }
      case 'CONNECTED':
        this.connected = true;
        this.startBeatWatch(frame.headers.get('heart-beat'));
        this.waitConnected?.resolve();
        this.waitConnected = undefined;
        return;
      case 'RECEIPT': {
        const id = frame.headers.get('receipt-id') ?? '';
        this.receipts.get(id)?.();
        this.receipts.delete(id);
        return;
      }
      case 'ERROR': {
        const err = new Error(`STOMP error from server: ${frame.body.toString('utf8')}`);
        if (this.waitConnected !== undefined) this.fail(err);
        return;
      }
      default:
        this.fail(new Error(`unexpected STOMP command from server: ${frame.command}`));
    }
  }

  /** CONNECTED says `heart-beat:sx,sy`: the server beats every sx ms; silence much longer than that is death. */
  private startBeatWatch(header: string | undefined): void {
    const sx = Number(header?.split(',')[0] ?? 0);
    if (!(sx > 0)) return;
    const limit = sx * MISSED_BEATS;
    const check = (): void => {
      const idle = Date.now() - this.lastRead;
      if (idle >= limit) {
        this.fail(new Error(`no heart-beat from the server for ${idle} ms`));
        return;
      }
      this.beatTimer = setTimeout(check, limit - idle);
      this.beatTimer.unref();
    };
    this.beatTimer = setTimeout(check, limit);
    this.beatTimer.unref();
  }
}
