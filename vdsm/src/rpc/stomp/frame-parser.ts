import type { BodyBudget } from '../body-budget.js';
import { DecodedFrame, type StompFrame, StompProtocolError } from './frame.js';

const NUL = 0;
const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);

export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_HEADER_SIZE = 256 * 1024;

export interface FrameParserOptions {
  /** Largest accepted frame (command, headers and body); bigger ones are a protocol error. */
  readonly maxFrameSize?: number;
  /** Largest accepted command + header section. */
  readonly maxHeaderSize?: number;
  /**
   * Shared budget for bodies in memory: a counted body is reserved whole when its headers end, a NUL-terminated
   * one chunk by chunk. What does not fit is STOMP_ERR_BUSY. A finished frame hands its reservation to `onFrame`.
   */
  readonly budget?: BodyBudget;
}

/** Receives each frame and the budget bytes it holds (0 without a budget); the receiver must release them. */
export type FrameHandler = (frame: StompFrame, reserved: number) => void;

enum State {
  Command,
  Headers,
  BodyLength,
  BodyNul,
}

/**
 * STOMP 1.2 decoder as a state machine: bytes in, frames out through `onFrame`, no I/O. Decoding stops at the
 * first protocol violation: `push` returns the error (it never throws one) and every later push returns it too.
 */
export class FrameParser {
  private readonly maxFrameSize: number;
  private readonly maxHeaderSize: number;
  private state = State.Command;
  /** Unconsumed bytes of the command/header section. */
  private head: Buffer = EMPTY;
  private command = '';
  private headers = new Map<string, string>();
  private headerBytes = 0;
  private bodyLength = 0;
  private bodyChunks: Buffer[] = [];
  private bodyBytes = 0;
  private failure: StompProtocolError | undefined;
  private stopped = false;
  private readonly budget: BodyBudget | undefined;
  /** Budget bytes held by the frame being received. */
  private reserved = 0;

  constructor(
    private readonly onFrame: FrameHandler,
    options: FrameParserOptions = {},
  ) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.maxHeaderSize = Math.min(options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE, this.maxFrameSize);
    this.budget = options.budget;
  }

  /** The error that stopped decoding, if any. */
  get error(): StompProtocolError | undefined {
    return this.failure;
  }

  /** Stops delivering frames (e.g. the consumer closed the connection) and gives back a partial body's budget. */
  stop(): void {
    this.stopped = true;
    this.releasePartial();
    this.bodyChunks = [];
  }

  private releasePartial(): void {
    if (this.reserved === 0) return;
    this.budget?.release(this.reserved);
    this.reserved = 0;
  }

  push(chunk: Buffer): StompProtocolError | undefined {
    if (this.failure !== undefined || this.stopped) return this.failure;
    try {
      this.run(chunk);
    } catch (err) {
      if (!(err instanceof StompProtocolError)) throw err;
      this.failure = err;
      this.head = EMPTY;
      this.bodyChunks = [];
      this.releasePartial();
    }
    return this.failure;
  }

  private run(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && !this.stopped) {
      if (this.state === State.BodyLength) data = this.readCountedBody(data);
      else if (this.state === State.BodyNul) data = this.readNulBody(data);
      else data = this.readHead(data);
    }
  }

  /** Command and header lines; returns the bytes left after the header section (or none while incomplete). */
  private readHead(data: Buffer): Buffer {
    let buf = this.head.length === 0 ? data : Buffer.concat([this.head, data]);
    let pos = 0;
    const scanFrom = this.head.length;
    let nl = buf.indexOf(LF, scanFrom);
    while (nl >= 0) {
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      if (this.state === State.Command) {
        if (end > pos) {
          this.command = unescapeStomp(buf.toString('utf8', pos, end), false);
          this.headerBytes = nl + 1 - pos;
          this.state = State.Headers;
        }
        // an empty line where a command is expected is an incoming heart-beat
      } else {
        this.headerBytes += nl + 1 - pos;
        if (this.headerBytes > this.maxHeaderSize) throw new StompProtocolError('STOMP_ERR_HEADERS_TOO_LARGE');
        if (end === pos) {
          const rest = buf.subarray(nl + 1);
          this.head = EMPTY;
          this.startBody();
          return rest;
        }
        this.addHeader(buf, pos, end);
      }
      pos = nl + 1;
      nl = buf.indexOf(LF, pos);
    }
    buf = pos === 0 ? buf : buf.subarray(pos);
    const pending = this.state === State.Headers ? this.headerBytes + buf.length : buf.length;
    if (pending > this.maxHeaderSize) throw new StompProtocolError('STOMP_ERR_HEADERS_TOO_LARGE');
    this.head = buf.length === 0 ? EMPTY : Buffer.from(buf);
    return EMPTY;
  }

  private addHeader(buf: Buffer, start: number, end: number): void {
    const colon = buf.indexOf(58, start);
    if (colon < 0 || colon >= end) throw new StompProtocolError('STOMP_ERR_BAD_HEADER', 'no ":"');
    const name = unescapeStomp(buf.toString('utf8', start, colon), true);
    const value = unescapeStomp(buf.toString('utf8', colon + 1, end), true);
    if (!this.headers.has(name)) this.headers.set(name, value);
  }

  private startBody(): void {
    const length = this.headers.get('content-length');
    this.bodyChunks = [];
    this.bodyBytes = 0;
    if (length === undefined) {
      this.state = State.BodyNul;
      return;
    }
    if (!isDigits(length)) throw new StompProtocolError('STOMP_ERR_BAD_CONTENT_LENGTH', JSON.stringify(length));
    const n = Number(length);
    if (!(n + this.headerBytes <= this.maxFrameSize)) {
      throw new StompProtocolError('STOMP_ERR_FRAME_TOO_LARGE', `content-length ${length}, limit ${this.maxFrameSize}`);
    }
    this.take(n);
    this.bodyLength = n;
    this.state = State.BodyLength;
  }

  private readCountedBody(data: Buffer): Buffer {
    const need = this.bodyLength - this.bodyBytes;
    if (data.length <= need) {
      this.bodyChunks.push(data);
      this.bodyBytes += data.length;
      return EMPTY;
    }
    if (data[need] !== NUL) throw new StompProtocolError('STOMP_ERR_MISSING_NUL');
    if (need > 0) this.bodyChunks.push(data.subarray(0, need));
    this.bodyBytes += need;
    this.finish();
    return data.subarray(need + 1);
  }

  private readNulBody(data: Buffer): Buffer {
    const nul = data.indexOf(NUL);
    const take = nul < 0 ? data.length : nul;
    if (this.headerBytes + this.bodyBytes + take > this.maxFrameSize) {
      throw new StompProtocolError('STOMP_ERR_FRAME_TOO_LARGE', `limit ${this.maxFrameSize}`);
    }
    this.take(take);
    if (nul < 0) {
      this.bodyChunks.push(data);
      this.bodyBytes += data.length;
      return EMPTY;
    }
    if (nul > 0) this.bodyChunks.push(data.subarray(0, nul));
    this.bodyBytes += nul;
    this.finish();
    return data.subarray(nul + 1);
  }

  private take(bytes: number): void {
    if (this.budget === undefined || bytes === 0) return;
    if (!this.budget.reserve(bytes)) {
      throw new StompProtocolError(
        'STOMP_ERR_BUSY',
        `${bytes} more bytes, ${this.budget.inUse} of ${this.budget.limit} in use`,
      );
    }
    this.reserved += bytes;
  }

  private finish(): void {
    const frame = new DecodedFrame(this.command, this.headers, this.bodyChunks, this.bodyBytes);
    this.state = State.Command;
    this.headers = new Map();
    this.bodyChunks = [];
    this.bodyBytes = 0;
    this.headerBytes = 0;
    const reserved = this.reserved;
    this.reserved = 0;
    this.onFrame(frame, reserved);
  }
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Undoes STOMP 1.2 escaping; in a header a raw ":" is an error. */
function unescapeStomp(s: string, header: boolean): string {
  let i = s.indexOf('\\');
  if (header && s.indexOf(':') >= 0) throw new StompProtocolError('STOMP_ERR_BAD_HEADER', 'raw ":" in a header');
  if (i < 0) return s;
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 92) {
      out += s[i];
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'c') out += ':';
    else throw new StompProtocolError('STOMP_ERR_BAD_ESCAPE', JSON.stringify(s.slice(i, i + 2)));
    i += 2;
  }
  return out;
}
