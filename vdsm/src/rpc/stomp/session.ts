import type { Socket } from 'node:net';
import type { Logger } from '@vdsm-ts/common/logging';
import type { JsonRpcEndpoint, RequestContext } from '../endpoint.js';
import type { Broker, MessageSink, Subscription } from './broker.js';
import type { HeaderList, StompFrame, StompProtocolError } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { encodeError, encodeFrame, escapeHeader, HEARTBEAT } from './frame-writer.js';

/** ERROR texts, as VDSM sends them (the text is the frame body). */
export const StompErrorText = {
  versionUnsupported: 'Version unsupported',
  missingSubscribeHeaders: 'Missing destination or subscription id header',
  duplicateSubscription: 'Subscription id already exists',
  missingId: 'Missing id header',
  noSubscription: 'Subscription not available',
} as const;

export interface SessionLimits {
  /** Largest frame accepted from the client. */
  readonly maxFrameSize: number;
  /** Requests of this connection running at once before we stop reading from it. */
  readonly maxInFlight: number;
  /** Bytes queued for the client before we stop reading from it. */
  readonly highWaterMark: number;
  /** Bytes queued for the client before we give up on it and drop the connection. */
  readonly maxBuffered: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameSize: 64 * 1024 * 1024,
  maxInFlight: 256,
  highWaterMark: 1024 * 1024,
  maxBuffered: 64 * 1024 * 1024,
};

export interface StompSessionOptions {
  readonly socket: Socket;
  readonly broker: Broker;
  readonly endpoint: JsonRpcEndpoint;
  /** Destinations (and their `<queue>.` sub-destinations) whose SENDs are JSON-RPC requests. */
  readonly requestQueues: readonly string[];
  readonly logger: Logger;
  readonly peer: string;
  readonly limits?: SessionLimits;
  /** Bytes the protocol detector already read from the socket. */
  readonly initial?: Buffer;
  readonly onClose?: () => void;
}

const MESSAGE_TYPE = 'content-type:application/json\n';

/** A subscription of one STOMP connection; it is its own sink and keeps its MESSAGE header lines ready. */
class StompSubscription implements Subscription, MessageSink {
  readonly sink: MessageSink = this;
  private readonly head: string;

  constructor(
    readonly id: string,
    readonly destination: string,
    private readonly session: StompSession,
  ) {
    this.head = `destination:${escapeHeader(destination)}\n${MESSAGE_TYPE}subscription:${escapeHeader(id)}\n`;
  }

  deliver(_sub: Subscription, destination: string, body: Buffer): void {
    const head =
      destination === this.destination
        ? this.head
        : `destination:${escapeHeader(destination)}\n${MESSAGE_TYPE}subscription:${escapeHeader(this.id)}\n`;
    this.session.write(encodeFrame('MESSAGE', [], body, head));
  }

  forward(_sub: Subscription, headers: HeaderList, body: Buffer): void {
    this.session.write(encodeFrame('MESSAGE', [['subscription', this.id], ...headers], body));
  }
}

/** Parses a client heart-beat header the way VDSM does: `cx,cy`, junk → 0, non-zero values raised to 1000 ms. */
export function negotiateHeartbeat(header: string | undefined): { readonly send: number; readonly expect: number } {
  if (header === undefined) return { send: 0, expect: 0 };
  const comma = header.indexOf(',');
  if (comma < 0) return { send: 0, expect: 0 };
  const cx = clampBeat(header.slice(0, comma));
  const cy = clampBeat(header.slice(comma + 1));
  // cx: how often the client promises to send; cy: how often it wants to hear from us
  return { send: cy, expect: cx };
}

function clampBeat(part: string): number {
  const trimmed = part.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return 0;
  const n = Number(trimmed);
  return n === 0 ? 0 : Math.max(n, 1000);
}

/**
 * One STOMP connection on the server: decodes frames, keeps this connection's subscriptions in the broker,
 * hands request SENDs to the JSON-RPC endpoint and routes each reply to the reply-to of the SEND that carried it.
 */
export class StompSession {
  private readonly parser: FrameParser;
  private readonly limits: SessionLimits;
  private readonly subscriptions = new Map<string, StompSubscription>();
  private readonly context: RequestContext;
  private inFlight = 0;
  private readEnded = false;
  private closed = false;
  private pausedForWrites = false;
  private pausedForRequests = false;
  private lastRead = Date.now();
  private lastWrite = Date.now();
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.options.socket.uncork();
  };
  private sendTimer: NodeJS.Timeout | undefined;
  private expectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StompSessionOptions) {
    this.limits = options.limits ?? DEFAULT_SESSION_LIMITS;
    this.context = { transport: 'stomp', peer: options.peer };
    this.parser = new FrameParser((frame) => this.onFrame(frame), { maxFrameSize: this.limits.maxFrameSize });
    const socket = options.socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.readEnded = true;
      if (this.inFlight === 0) this.close();
    });
    socket.on('drain', () => {
      this.pausedForWrites = false;
      this.updateReading();
    });
    socket.on('error', (err) => options.logger.debug({ peer: options.peer, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.dispose();
      options.onClose?.();
    });
    if (options.initial !== undefined && options.initial.length > 0) this.onData(options.initial);
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Queues bytes for the client; drops a client that lets far too much pile up. */
  write(data: Buffer): void {
    const socket = this.options.socket;
    if (this.closed || socket.destroyed) return;
    this.lastWrite = Date.now();
    // replies finishing in the same tick leave in one writev instead of one syscall each
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncork);
    }
    if (!socket.write(data)) {
      if (socket.writableLength > this.limits.maxBuffered) {
        this.options.logger.warn(
          { peer: this.options.peer, buffered: socket.writableLength },
          'client does not read its messages; dropping the connection',
        );
        this.destroy();
        return;
      }
      if (socket.writableLength > this.limits.highWaterMark && !this.pausedForWrites) {
        this.pausedForWrites = true;
        this.updateReading();
      }
    }
  }

  /** Ends the connection after queued output is flushed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parser.stop();
    this.dispose();
    const socket = this.options.socket;
    if (socket.destroyed) return;
    socket.end(() => socket.destroy());
    // a peer that never reads must not keep the socket forever
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.parser.stop();
    this.options.socket.destroy();
    this.dispose();
  }

  private dispose(): void {
    if (this.sendTimer !== undefined) clearTimeout(this.sendTimer);
    if (this.expectTimer !== undefined) clearTimeout(this.expectTimer);
    this.sendTimer = undefined;
    this.expectTimer = undefined;
    if (this.subscriptions.size > 0) {
      for (const sub of this.subscriptions.values()) this.options.broker.unsubscribe(sub);
      this.subscriptions.clear();
    }
  }

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    let err: StompProtocolError | undefined;
    try {
      err = this.parser.push(chunk);
    } catch (bug) {
      // a fault of ours while handling this client's frames must not take the daemon or other clients down
      this.options.logger.error(
        { peer: this.options.peer, err: bug },
        'internal error on a STOMP connection; closing it',
      );
      this.destroy();
      return;
    }
    if (err !== undefined && !this.closed) {
      this.options.logger.warn(
        { peer: this.options.peer, code: err.code, err: err.message },
        'bad STOMP frame; closing',
      );
      this.close();
    }
  }

  private updateReading(): void {
    const socket = this.options.socket;
    if (this.pausedForWrites || this.pausedForRequests) socket.pause();
    else if (!this.closed) socket.resume();
  }

  private onFrame(frame: StompFrame): void {
    if (this.closed) return;
    switch (frame.command) {
      case 'CONNECT':
        this.onConnect(frame);
        return;
      case 'SUBSCRIBE':
        this.onSubscribe(frame);
        return;
      case 'UNSUBSCRIBE':
        this.onUnsubscribe(frame);
        return;
      case 'SEND':
        this.onSend(frame);
        return;
      case 'DISCONNECT':
        this.onDisconnect(frame);
        return;
      default:
        this.options.logger.warn(
          { peer: this.options.peer, command: frame.command },
          'unsupported STOMP command; closing',
        );
        this.close();
    }
  }

  private onConnect(frame: StompFrame): void {
    if (frame.headers.get('accept-version') !== '1.2') {
      this.write(encodeError(StompErrorText.versionUnsupported));
      return;
    }
    const beat = negotiateHeartbeat(frame.headers.get('heart-beat'));
    this.write(
      encodeFrame('CONNECTED', [
        ['version', '1.2'],
        ['heart-beat', `${beat.send},${beat.expect}`],
      ]),
    );
    this.startHeartbeats(beat.send, beat.expect);
  }

  private startHeartbeats(send: number, expect: number): void {
    if (this.sendTimer !== undefined) clearTimeout(this.sendTimer);
    if (this.expectTimer !== undefined) clearTimeout(this.expectTimer);
    this.sendTimer = undefined;
    this.expectTimer = undefined;
    if (send > 0) {
      const tick = (): void => {
        const idle = Date.now() - this.lastWrite;
        if (idle >= send) this.write(HEARTBEAT);
        this.sendTimer = setTimeout(tick, idle >= send ? send : send - idle);
      };
      this.sendTimer = setTimeout(tick, send);
    }
    if (expect > 0) {
      this.lastRead = Date.now();
      const check = (): void => {
        const idle = Date.now() - this.lastRead;
        if (idle >= expect) {
          this.options.logger.info({ peer: this.options.peer, ms: expect }, 'no heart-beat from client; closing');
          this.destroy();
          return;
        }
        this.expectTimer = setTimeout(check, expect - idle);
      };
      this.expectTimer = setTimeout(check, expect);
    }
  }

  private onSubscribe(frame: StompFrame): void {
    const destination = frame.headers.get('destination');
    const id = frame.headers.get('id');
    if (destination === undefined || id === undefined) {
      this.write(encodeError(StompErrorText.missingSubscribeHeaders));
      return;
    }
    if (this.subscriptions.has(id)) {
      this.write(encodeError(StompErrorText.duplicateSubscription));
      return;
    }
    const sub = new StompSubscription(id, destination, this);
    this.subscriptions.set(id, sub);
    this.options.broker.subscribe(sub);
  }

  private onUnsubscribe(frame: StompFrame): void {
    const id = frame.headers.get('id');
    if (id === undefined) {
      this.write(encodeError(StompErrorText.missingId));
      return;
    }
    const sub = this.subscriptions.get(id);
    if (sub === undefined) return;
    this.subscriptions.delete(id);
    this.options.broker.unsubscribe(sub);
  }

  private onDisconnect(frame: StompFrame): void {
    const receipt = frame.headers.get('receipt');
    if (receipt === undefined) {
      this.close();
      return;
    }
    this.write(encodeFrame('RECEIPT', [['receipt-id', receipt]]));
  }

  private onSend(frame: StompFrame): void {
    const destination = frame.headers.get('destination');
    if (destination === undefined) {
      this.options.logger.warn({ peer: this.options.peer }, 'SEND without destination; closing');
      this.close();
      return;
    }
    const forwarded = this.options.broker.forward(destination, () => forwardHeaders(frame.headers), frame.body);
    if (this.isRequestQueue(destination)) this.runRequest(frame);
    else if (forwarded === 0) this.write(encodeError(StompErrorText.noSubscription));
  }

  private isRequestQueue(destination: string): boolean {
    for (const queue of this.options.requestQueues) {
      if (destination === queue) return true;
      if (destination.length > queue.length && destination.startsWith(queue) && destination[queue.length] === '.')
        return true;
    }
    return false;
  }

  private runRequest(frame: StompFrame): void {
    const replyTo = frame.headers.get('reply-to');
    const flowId = frame.headers.get('ovirtCorrelationId');
    const context: RequestContext = flowId === undefined ? this.context : { ...this.context, flowId };
    this.inFlight++;
    if (this.inFlight >= this.limits.maxInFlight && !this.pausedForRequests) {
      this.pausedForRequests = true;
      this.updateReading();
    }
    let reply: Promise<string | undefined>;
    try {
      reply = this.options.endpoint.handle(frame.body.toString('utf8'), context);
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (reply) => this.onReply(reply, replyTo),
      (err: unknown) => {
        // the endpoint contract says it never rejects; keep the connection alive anyway
        this.options.logger.error({ peer: this.options.peer, err }, 'endpoint rejected a request');
        this.onReply(undefined, undefined);
      },
    );
  }

  private onReply(reply: string | undefined, replyTo: string | undefined): void {
    this.inFlight--;
    if (this.pausedForRequests && this.inFlight < this.limits.maxInFlight) {
      this.pausedForRequests = false;
      this.updateReading();
    }
    // no reply-to: the reply has nowhere to go and is dropped, as upstream
    if (reply !== undefined && replyTo !== undefined) this.options.broker.deliver(replyTo, Buffer.from(reply));
    if (this.readEnded && this.inFlight === 0) this.close();
  }
}

function forwardHeaders(headers: ReadonlyMap<string, string>): HeaderList {
  const out: Array<readonly [string, string]> = [];
  for (const entry of headers) if (entry[0] !== 'content-length') out.push(entry);
  return out;
}
