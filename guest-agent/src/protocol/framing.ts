/**
 * Framing of the guest agent channel: one JSON object per line, ASCII only on the wire (non-ASCII escaped
 * as \uXXXX), with the message name in the `__name__` key. No I/O here: bytes in, lines and objects out.
 */
import { isUtf8 } from 'node:buffer';
import { type ProtocolError, protocolError } from './errors.js';

/** Upstream VDSM's limit for one line (MAX_MESSAGE_SIZE). */
export const DEFAULT_MAX_LINE = 1024 * 1024;

const NEWLINE = 0x0a;

enum SplitState {
  /** collecting the bytes of a line */
  COLLECT = 0,
  /** the current line outgrew the limit: dropping bytes until the next newline */
  DISCARD = 1,
}

export interface LineSink {
  /** a complete line, without its newline; the buffer is only valid during the call */
  line(line: Buffer): void;
  /** a line outgrew the limit; `dropped` bytes of it were thrown away (reported once the line ends) */
  oversized(dropped: number): void;
}

/**
 * Splits a byte stream into newline-terminated lines of at most `maxLine` bytes, newline included. Partial
 * lines are kept as a list of chunk views and joined once; a line that reaches `maxLine` bytes without a
 * newline is discarded up to and including its newline, and reported once through `oversized`.
 */
export class LineSplitter {
  readonly #maxLine: number;
  readonly #sink: LineSink;
  #state = SplitState.COLLECT;
  #parts: Buffer[] = [];
  #length = 0;
  #dropped = 0;

  constructor(sink: LineSink, maxLine: number = DEFAULT_MAX_LINE) {
    if (!Number.isInteger(maxLine) || maxLine < 1) throw new RangeError(`maxLine must be a positive integer`);
    this.#sink = sink;
    this.#maxLine = maxLine;
  }

  /** bytes of the unterminated line held right now */
  get pending(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.#state === SplitState.DISCARD) {
        this.#dropped += end - start;
        if (nl === -1) return;
        this.#sink.oversized(this.#dropped);
        this.#dropped = 0;
        this.#state = SplitState.COLLECT;
        start = nl + 1;
        continue;
      }
      const size = end - start;
      if (this.#length + size >= this.#maxLine) {
        // A line holds at most maxLine - 1 bytes before its newline.
        this.#dropped = this.#length + size;
        this.#parts = [];
        this.#length = 0;
        if (nl === -1) {
          this.#state = SplitState.DISCARD;
          return;
        }
        this.#sink.oversized(this.#dropped);
        this.#dropped = 0;
        start = nl + 1;
        continue;
      }
      if (nl === -1) {
        this.#parts.push(chunk.subarray(start));
        this.#length += size;
        return;
      }
      const tail = chunk.subarray(start, nl);
      if (this.#parts.length === 0) {
        this.#sink.line(tail);
      } else {
        this.#parts.push(tail);
        const line = Buffer.concat(this.#parts, this.#length + size);
        this.#parts = [];
        this.#length = 0;
        this.#sink.line(line);
      }
      start = nl + 1;
    }
  }

  /** Forgets any partial line (the peer went away mid-line). */
  reset(): void {
    this.#state = SplitState.COLLECT;
    this.#parts = [];
    this.#length = 0;
    this.#dropped = 0;
  }
}

export type DecodedLine =
  | { readonly ok: true; readonly name: string; readonly args: Record<string, unknown> }
  | { readonly ok: false; readonly error: ProtocolError };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface DecodeOptions {
  /**
   * Decode invalid UTF-8 with U+FFFD instead of refusing the line (what VDSM does with agent output;
   * the agent itself refuses such commands).
   */
  readonly replaceInvalidUtf8?: boolean;
}

/**
 * Decodes one line: UTF-8, JSON, an object with a string `__name__`. The name is split off; the
 * remaining keys are the arguments.
 */
export function decodeLine(line: Uint8Array, opts: DecodeOptions = {}): DecodedLine {
  if (opts.replaceInvalidUtf8 !== true && !isUtf8(line)) return { ok: false, error: protocolError('GA_ERR_BAD_UTF8') };
  const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8');
  if (text.trim() === '') return { ok: false, error: protocolError('GA_ERR_EMPTY_LINE') };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: protocolError('GA_ERR_BAD_JSON', (err as Error).message) };
  }
  if (!isPlainObject(value)) return { ok: false, error: protocolError('GA_ERR_NOT_OBJECT') };
  const { __name__: name, ...args } = value;
  if (typeof name !== 'string') return { ok: false, error: protocolError('GA_ERR_NO_NAME') };
  return { ok: true, name, args };
}

// C0/C1 controls other than tab, LF and CR, DEL, lone surrogates and the two non-characters U+FFFE/U+FFFF:
// characters XML cannot carry, which upstream replaces with U+FFFD on both ends.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are exactly what it matches
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ud800-\udfff\ufffe\uffff]/gu;
const NON_ASCII = /[\u0080-\uffff]/g;

/** Replaces characters XML cannot carry with U+FFFD. Surrogate pairs (astral characters) are kept. */
export function sanitizeText(text: string): string {
  XML_INVALID.lastIndex = 0;
  return XML_INVALID.test(text) ? text.replace(XML_INVALID, '\ufffd') : text;
}

/**
 * {@link sanitizeText} applied to every string of a decoded JSON value, keys included (VDSM's receive
 * filter). Returns a new value; the input is not changed.
 */
export function sanitizeDeep(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) return value.map(sanitizeDeep);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[sanitizeText(k)] = sanitizeDeep(v);
    return out;
  }
  return value;
}

function sanitizeValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[sanitizeText(k)] = v;
    return out;
  }
  return value;
}

function escapeNonAscii(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Encodes one message as a line: `__name__` first, then the arguments; strings (keys and values) pass
 * through {@link sanitizeText}; non-ASCII is escaped so the bytes on the wire are pure ASCII.
 */
export function encodeLine(name: string, args: object = {}): Buffer {
  const { __name__: _replaced, ...rest } = args as Record<string, unknown>;
  const json = JSON.stringify({ __name__: name, ...rest }, sanitizeValue).replace(NON_ASCII, escapeNonAscii);
  return Buffer.from(`${json}\n`, 'latin1');
}
