/**
 * The wire between vdsmd and supervdsmd: each message is a 4-byte big-endian length followed by that many bytes
 * of UTF-8 JSON. Requests carry the protocol version, an id, an operation name and its params; responses carry
 * the same id and either a result or an error with a stable code. Both ends import this file.
 */

import type { SupervdsmErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Largest request the server reads; a bigger length header closes the connection before any parsing. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Largest response the client accepts (reports of many LVs can be large). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface Request {
  readonly v: number;
  readonly id: number;
  readonly op: string;
  readonly params: unknown;
  /** Optional: a shorter limit than the operation's own (milliseconds); never a longer one. */
  readonly timeoutMs?: number;
}

/** `id` is null when the failure concerns the connection or a request whose id could not be read. */
export type Response =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number | null;
      readonly ok: false;
      readonly error: { readonly code: SupervdsmErrorCode; readonly message: string; readonly op?: string };
    };

export function encodeFrame(message: Request | Response): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`frame of ${length} bytes exceeds the limit of ${limit}`);
  }
}

/**
 * Incremental decoder: push chunks in, complete bodies come out. Only the header is examined until the whole
 * body has arrived, and a header announcing more than `limit` bytes throws at once.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const header = this.take(4);
        const length = header.readUInt32BE(0);
        if (length > this.limit) throw new FrameTooLargeError(length, this.limit);
        this.need = length;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
