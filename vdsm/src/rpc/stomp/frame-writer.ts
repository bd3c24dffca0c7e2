import type { HeaderList } from './frame.js';

const EMPTY = Buffer.alloc(0);

/** Heart-beat: one LF byte. */
export const HEARTBEAT = Buffer.from('\n');

/** STOMP 1.2 escaping of a command, header name or value: `\` `CR` `LF` `:`. Returns `s` itself when clean. */
export function escapeHeader(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 58 || c === 10 || c === 13) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 58) out += '\\c';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else out += s[i];
  }
  return out;
}

/** Serialised head (command + header lines, no terminating blank line) for reuse across frames. */
export function encodeHeaderLines(headers: HeaderList): string {
  let head = '';
  for (const [name, value] of headers) head += `${escapeHeader(name)}:${escapeHeader(value)}\n`;
  return head;
}

/**
 * Encodes one frame: `COMMAND\n`, the headers in the given order, `content-length` last when there is a body,
 * a blank line, the body and NUL. `rawHead` is extra pre-escaped header lines (each ending in `\n`) written after
 * `headers`, for callers that prepare a constant part once.
 */
export function encodeFrame(command: string, headers: HeaderList, body: Buffer = EMPTY, rawHead = ''): Buffer {
  let head = `${escapeHeader(command)}\n${encodeHeaderLines(headers)}${rawHead}`;
  head += body.length > 0 ? `content-length:${body.length}\n\n` : '\n';
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + body.length + 1);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  out[out.length - 1] = 0;
  return out;
}

/** ERROR frame as VDSM writes it: the text is the body, the only header is content-length. */
export function encodeError(text: string): Buffer {
  return encodeFrame('ERROR', [], Buffer.from(text));
}
