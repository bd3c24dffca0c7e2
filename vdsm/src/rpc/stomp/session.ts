import type { Socket } from 'node:net';
import type { Logger } from '@vdsm-ts/common/logging';
import type { BodyBudget } from '../body-budget.js';
import type { JsonRpcEndpoint, RequestContext } from '../endpoint.js';
import type { LogLimiter } from '../log-limiter.js';
import type { Broker, MessageSink, Subscription } from './broker.js';
import type { StompFrame, StompProtocolError } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { encodeError, encodeFrame, escapeHeader, HEARTBEAT } from './frame-writer.js';

/** ERROR texts: the first five as VDSM sends them (the text is the frame body), the rest ours. */
export const StompErrorText = {
  versionUnsupported: 'Version unsupported',
  missingSubscribeHeaders: 'Missing destination or subscription id header',
  duplicateSubscription: 'Subscription id already exists',
  missingId: 'Missing id header',
  noSubscription: 'Subscription not available',
  sendRefused: 'Destination does not accept messages from clients (only request queues do)',
  idle: 'Connection idle too long without heart-beats; closing',
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
  /**
   * A session that negotiated no incoming heart-beat is closed after this many ms without input and with nothing
   * in flight (0: never). Heart-beating sessions are watched by their heart-beat instead.
   */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameSize: 64 * 1024 * 1024,
  maxInFlight: 256,
  highWaterMark: 1024 * 1024,
  maxBuffered: 64 * 1024 * 1024,
  idleTimeoutMs: 300_000,
};

export interface StompSessionOptions {
  readonly socket: Socket;
  readonly broker: Broker;
  readonly endpoint: JsonRpcEndpoint;
  /** Destinations (and their `<queue>.` sub-destinations) whose SENDs are JSON-RPC requests. */
  readonly requestQueues: readonly string[];
  readonly logger: Logger;
  /** Rate-limited lines for what a client can trigger at will; shared by every session. */
  readonly limitedLog: LogLimiter;
  readonly peer: string;
  readonly limits?: SessionLimits;
  /** Server-wide budget for request bodies in memory. */
  readonly budget?: BodyBudget;
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

  deliver(_sub: Subscription, _destination: string, body: Buffer): void {
    this.session.write(encodeFrame('MESSAGE', [], body, this.head));
  }
}

/** Decode failures that are the server's limits, not a broken client: these get an ERROR before the close. */
const LIMIT_ERRORS: ReadonlySet<string> = new Set([
  'STOMP_ERR_FRAME_TOO_LARGE',
  'STOMP_ERR_HEADERS_TOO_LARGE',
  'STOMP_ERR_BUSY',
]);

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
 * One STOMP connection on the server: decodes frames, keeps this connection's subscriptions, hands request SENDs
 * to the JSON-RPC endpoint and delivers each reply only to this connection's subscriptions on the reply-to of the
 * SEND that carried it. Event subscriptions are also registered with the broker, which fans events out.
 */
export class StompSession {
  private readonly parser: FrameParser;
  private readonly limits: SessionLimits;
  private readonly subscriptions = new Map<string, StompSubscription>();
  /** This connection's subscriptions by destination: where its replies may go. */
  private readonly byDestination = new Map<string, StompSubscription[]>();
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
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StompSessionOptions) {
    this.limits = options.limits ?? DEFAULT_SESSION_LIMITS;
    this.context = { transport: 'stomp', peer: options.peer };
    this.parser = new FrameParser((frame, reserved) => this.onFrame(frame, reserved), {
      maxFrameSize: this.limits.maxFrameSize,
      ...(options.budget === undefined ? {} : { budget: options.budget }),
    });
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
    this.watchIdle();
    if (options.initial !== undefined && options.initial.length > 0) this.onData(options.initial);
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** When the client last sent anything (ms since the epoch). */
  get lastInput(): number {
    return this.lastRead;
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
        this.options.limitedLog.warn(
          'slow-reader',
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

  /**
   * Sends an ERROR with `text` and closes. What the client still sends is read and dropped until it closes too
   * (at most 5 s): closing with unread input would make the kernel answer with a reset, and a reset can discard
   * the ERROR before the client reads it.
   */
  refuse(text: string): void {
    if (this.closed) return;
    this.write(encodeError(text));
    this.closed = true;
    this.dispose();
    const socket = this.options.socket;
    if (socket.destroyed) return;
    socket.end();
    socket.once('end', () => socket.destroy());
    socket.resume();
    destroyLater(socket, 5000);
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
    destroyLater(socket, 5000);
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
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.sendTimer = undefined;
    this.expectTimer = undefined;
    this.idleTimer = undefined;
    this.parser.stop();
    if (this.subscriptions.size > 0) {
      for (const sub of this.subscriptions.values()) this.options.broker.unsubscribe(sub);
      this.subscriptions.clear();
      this.byDestination.clear();
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
      this.options.limitedLog.warn(
        `frame:${err.code}`,
        { peer: this.options.peer, code: err.code, err: err.message },
        'bad STOMP frame; closing',
      );
      // our own limits are explained; malformed input is closed without a word, as upstream
      if (LIMIT_ERRORS.has(err.code)) this.refuse(err.message);
      else this.close();
    }
  }

  private updateReading(): void {
    const socket = this.options.socket;
    if (this.pausedForWrites || this.pausedForRequests) socket.pause();
    else if (!this.closed) socket.resume();
  }

  private onFrame(frame: StompFrame, reserved: number): void {
    if (this.closed) {
      this.options.budget?.release(reserved);
      return;
    }
    if (frame.command === 'SEND') {
      this.onSend(frame, reserved);
      return;
    }
    // only request bodies are held past this point
    this.options.budget?.release(reserved);
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
      case 'DISCONNECT':
        this.onDisconnect(frame);
        return;
      default:
        this.options.limitedLog.warn(
          'unsupported-command',
          { peer: this.options.peer, command: frame.command.slice(0, 64) },
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
      // the client's heart-beats prove it alive; the idle rule is for sessions without them
      if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      this.lastRead = Date.now();
      const check = (): void => {
        const idle = Date.now() - this.lastRead;
        if (idle >= expect) {
          this.options.limitedLog.info(
            'no-heartbeat',
            { peer: this.options.peer, ms: expect },
            'no heart-beat from client; closing',
          );
          this.destroy();
          return;
        }
        this.expectTimer = setTimeout(check, expect - idle);
      };
      this.expectTimer = setTimeout(check, expect);
    } else this.watchIdle();
  }

  /** Closes the session after `idleTimeoutMs` without input and with nothing in flight. */
  private watchIdle(): void {
    const limit = this.limits.idleTimeoutMs;
    if (!(limit > 0) || this.idleTimer !== undefined || this.closed) return;
    const check = (): void => {
      const idle = Date.now() - this.lastRead;
      if (idle >= limit && this.inFlight === 0) {
        this.idleTimer = undefined;
        this.options.limitedLog.info(
          'idle',
          { peer: this.options.peer, ms: limit },
          'STOMP session idle without heart-beats; closing',
        );
        this.refuse(StompErrorText.idle);
        return;
      }
      this.idleTimer = setTimeout(check, idle >= limit ? limit : limit - idle);
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(check, limit);
    this.idleTimer.unref();
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
    const same = this.byDestination.get(destination);
    if (same === undefined) this.byDestination.set(destination, [sub]);
    else same.push(sub);
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
    const same = this.byDestination.get(sub.destination);
    if (same !== undefined) {
      const rest = same.filter((s) => s !== sub);
      if (rest.length === 0) this.byDestination.delete(sub.destination);
      else this.byDestination.set(sub.destination, rest);
    }
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

  private onSend(frame: StompFrame, reserved: number): void {
    const destination = frame.headers.get('destination');
    if (destination === undefined) {
      this.options.budget?.release(reserved);
      this.options.limitedLog.warn(
        'send-no-destination',
        { peer: this.options.peer },
        'SEND without destination; closing',
      );
      this.close();
      return;
    }
    if (this.isRequestQueue(destination)) {
      this.runRequest(frame, reserved);
      return;
    }
    // clients talk to the server only: no SEND reaches another client (forged events, reading others' traffic)
    this.options.budget?.release(reserved);
    this.options.limitedLog.info(
      'send-refused',
      { peer: this.options.peer, destination: destination.slice(0, 256) },
      'SEND to a destination that is not a request queue refused',
    );
    this.write(encodeError(StompErrorText.sendRefused));
  }

  private isRequestQueue(destination: string): boolean {
    for (const queue of this.options.requestQueues) {
      if (destination === queue) return true;
      if (destination.length > queue.length && destination.startsWith(queue) && destination[queue.length] === '.')
        return true;
    }
    return false;
  }

  private runRequest(frame: StompFrame, reserved: number): void {
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
      const endpoint = this.options.endpoint;
      const early = endpoint.screen?.(frame.bodyChunks, frame.bodyLength, context);
      reply = early !== undefined ? Promise.resolve(early) : endpoint.handle(frame.body.toString('utf8'), context);
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (reply) => this.onReply(reply, replyTo, reserved),
      (err: unknown) => {
        // the endpoint contract says it never rejects; keep the connection alive anyway
        this.options.logger.error({ peer: this.options.peer, err }, 'endpoint rejected a request');
        this.onReply(undefined, undefined, reserved);
      },
    );
  }

  private onReply(reply: string | undefined, replyTo: string | undefined, reserved: number): void {
    this.options.budget?.release(reserved);
    this.inFlight--;
    if (this.pausedForRequests && this.inFlight < this.limits.maxInFlight) {
      this.pausedForRequests = false;
      this.updateReading();
    }
    // no reply-to, or no subscription of ours on it: the reply has nowhere to go and is dropped, as upstream
    if (reply !== undefined && replyTo !== undefined) {
      const subs = this.byDestination.get(replyTo);
      if (subs !== undefined) {
        const body = Buffer.from(reply);
        for (const sub of subs) sub.deliver(sub, replyTo, body);
      }
    }
    if (this.readEnded && this.inFlight === 0) this.close();
  }
}

/** Destroys `socket` after `ms` unless it closes first; the timer then goes at once, and with it the socket's memory. */
export function destroyLater(socket: Socket, ms: number): void {
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
