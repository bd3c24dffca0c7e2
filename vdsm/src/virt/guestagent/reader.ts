/**
 * The host's read side of the guest agent channel: bytes in, named messages out. Lines are bounded (upstream's
 * 1 MiB), invalid UTF-8 is decoded with U+FFFD (counted), and every string of a decoded message, keys included,
 * passes the XML-invalid character filter. Anything else that is wrong with a line is reported by code and the
 * line dropped; nothing here throws or closes the channel. No I/O.
 */
import { isUtf8 } from 'node:buffer';
import type { ProtocolErrorCode } from '@vdsm-ts/guest-agent/protocol/errors';
import {
  DEFAULT_MAX_LINE,
  decodeLine,
  LineSplitter,
  sanitizeDeep,
  sanitizeText,
} from '@vdsm-ts/guest-agent/protocol/framing';

// A line of printable ASCII without \u escapes cannot hold a character the filter replaces: the agent's usual
// output, which then skips the deep copy.
const MAY_NEED_FILTER = /[^\x20-\x7e\t\r]|\\u/;

export interface ReaderSink {
  /** a decoded message: name and arguments, both filtered */
  message(name: string, args: Record<string, unknown>): void;
  /** a line was dropped, or (GA_ERR_BAD_UTF8) decoded with replacement characters */
  refused(code: ProtocolErrorCode, detail: string): void;
}

export class MessageReader {
  readonly #splitter: LineSplitter;
  readonly #sink: ReaderSink;

  constructor(sink: ReaderSink, maxLine: number = DEFAULT_MAX_LINE) {
    this.#sink = sink;
    this.#splitter = new LineSplitter(
      {
        line: (line) => this.#onLine(line),
        oversized: (dropped) => sink.refused('GA_ERR_LINE_TOO_LONG', `${dropped} bytes dropped`),
      },
      maxLine,
    );
  }

  /** bytes of an unterminated line held right now */
  get pending(): number {
    return this.#splitter.pending;
  }

  push(chunk: Buffer): void {
    this.#splitter.push(chunk);
  }

  /** Forgets a partial line: the peer went away mid-line. */
  reset(): void {
    this.#splitter.reset();
  }

  #onLine(line: Buffer): void {
    // Upstream decodes agent output with replacement; the line still counts, but the guest is sending junk.
    if (!isUtf8(line)) this.#sink.refused('GA_ERR_BAD_UTF8', 'decoded with U+FFFD replacement');
    const decoded = decodeLine(line, { replaceInvalidUtf8: true });
    if (!decoded.ok) {
      this.#sink.refused(decoded.error.code, decoded.error.message);
      return;
    }
    if (!MAY_NEED_FILTER.test(line.toString('latin1'))) {
      this.#sink.message(decoded.name, decoded.args);
      return;
    }
    this.#sink.message(sanitizeText(decoded.name), sanitizeDeep(decoded.args) as Record<string, unknown>);
  }
}
