import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from '@vdsm-ts/common/logging';
import type { SupervdsmErrorCode } from '@vdsm-ts/supervdsm-protocol/errors';
import {
  encodeFrame,
  FrameDecoder,
  FrameTooLargeError,
  MAX_REQUEST_BYTES,
  type Response,
} from '@vdsm-ts/supervdsm-protocol/protocol';
import type { Dispatcher } from './dispatcher.js';
import type { PeerCred } from './peer.js';

/** Most requests one connection may have running at once; more are refused with BUSY, not queued. */
export const MAX_IN_FLIGHT = 64;

/**
 * One accepted, authorised connection: frames in, requests dispatched concurrently, responses out in the order
 * they finish. A frame over the size limit ends the connection (its bytes cannot be skipped safely).
 */
export class Connection {
  private readonly decoder = new FrameDecoder(MAX_REQUEST_BYTES);
  private readonly gone = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly socket: Socket,
    private readonly peer: PeerCred,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
  ) {
    // Every read-only request in flight listens for the caller going away.
    setMaxListeners(MAX_IN_FLIGHT + 1, this.gone.signal);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => log.debug({ err, peer }, 'connection error'));
    socket.on('close', () => this.gone.abort());
  }

  /** Resolves when every request now running has answered. */
  drained(): Promise<void> {
    return Promise.all(this.running).then(() => undefined);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.decoder.push(chunk);
    } catch (err) {
      const message = err instanceof FrameTooLargeError ? err.message : String(err);
      this.log.warn({ peer: this.peer }, `closing connection: ${message}`);
      this.socket.pause();
      this.socket.end(encodeFrame(refusal(null, 'BAD_REQUEST', `request refused: ${message}`)));
      return;
    }
    for (const body of bodies) this.dispatch(body);
  }

  private dispatch(body: Buffer): void {
    if (this.running.size >= MAX_IN_FLIGHT) {
      this.send(refusal(idOf(body), 'BUSY', `more than ${MAX_IN_FLIGHT} requests in flight on this connection`));
      return;
    }
    const task = this.dispatcher
      .handle(body, this.peer, this.gone.signal)
      .then((response) => this.send(response))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private send(response: Response): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    let frame: Buffer;
    try {
      frame = encodeFrame(response);
    } catch (err) {
      this.log.error({ err }, 'response cannot be encoded');
      frame = encodeFrame(refusal(response.id, 'INTERNAL', 'response cannot be encoded'));
    }
    this.socket.write(frame);
  }
}

export function refusal(id: number | null, code: SupervdsmErrorCode, message: string): Response {
  return { id, ok: false, error: { code, message } };
}

function idOf(body: Buffer): number | null {
  try {
    const id = (JSON.parse(body.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}
