/** A decoded STOMP frame. Header names and values are unescaped; a repeated header keeps its first value. */
export interface StompFrame {
  readonly command: string;
  readonly headers: ReadonlyMap<string, string>;
  /** The body, joined into one buffer on first use. */
  readonly body: Buffer;
  /** The body as it arrived, in pieces: for looking at a large body without copying it. */
  readonly bodyChunks: readonly Buffer[];
  readonly bodyLength: number;
}

const EMPTY = Buffer.alloc(0);

/** The parser's frames: joining a large body costs a fresh allocation, so it happens only when asked for. */
export class DecodedFrame implements StompFrame {
  private joined: Buffer | undefined;

  constructor(
    readonly command: string,
    readonly headers: ReadonlyMap<string, string>,
    readonly bodyChunks: readonly Buffer[],
    readonly bodyLength: number,
  ) {}

  get body(): Buffer {
    if (this.joined === undefined) {
      const chunks = this.bodyChunks;
      this.joined =
        chunks.length === 0
          ? EMPTY
          : chunks.length === 1
            ? (chunks[0] as Buffer)
            : Buffer.concat(chunks, this.bodyLength);
    }
    return this.joined;
  }
}

/** Ordered headers for writing a frame. `content-length` is never given here: the writer adds it. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export type StompErrorCode =
  | 'STOMP_ERR_BAD_LINE'
  | 'STOMP_ERR_BAD_ESCAPE'
  | 'STOMP_ERR_BAD_HEADER'
  | 'STOMP_ERR_BAD_CONTENT_LENGTH'
  | 'STOMP_ERR_MISSING_NUL'
  | 'STOMP_ERR_FRAME_TOO_LARGE'
  | 'STOMP_ERR_HEADERS_TOO_LARGE'
  | 'STOMP_ERR_BUSY';

const MESSAGES: Record<StompErrorCode, string> = {
  STOMP_ERR_BAD_LINE: 'line is not valid UTF-8',
  STOMP_ERR_BAD_ESCAPE: 'invalid escape sequence in a header',
  STOMP_ERR_BAD_HEADER: 'malformed header line (a header needs one unescaped ":")',
  STOMP_ERR_BAD_CONTENT_LENGTH: 'content-length is not a non-negative integer',
  STOMP_ERR_MISSING_NUL: 'frame body is not followed by NUL',
  STOMP_ERR_FRAME_TOO_LARGE: 'frame exceeds the size limit',
  STOMP_ERR_HEADERS_TOO_LARGE: 'frame headers exceed the size limit',
  STOMP_ERR_BUSY: 'request bodies in memory exceed the server-wide budget',
};

/** A protocol violation found while decoding; the connection that sent it must be closed. */
export class StompProtocolError extends Error {
  override readonly name = 'StompProtocolError';
  constructor(
    readonly code: StompErrorCode,
    detail?: string,
  ) {
    super(detail === undefined ? MESSAGES[code] : `${MESSAGES[code]}: ${detail}`);
  }
}
