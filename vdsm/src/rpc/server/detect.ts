/** Protocol detection on the API port: what the first bytes of a connection say it speaks. */

/** Longest detector prefix (`UNSUBSCRIBE`): detection waits for this many bytes. */
export const DETECT_BYTES = 11;

const STOMP_COMMANDS = [
  'MESSAGE',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'CONNECT',
  'CONNECTED',
  'ERROR',
  'RECEIPT',
  'DISCONNECT',
].map((c) => Buffer.from(c));
const HTTP_PREFIXES = ['PUT /', 'GET /'].map((c) => Buffer.from(c));

export type Detected = 'stomp' | 'http' | 'unknown';

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Classifies a connection by its first bytes (HTTP first, then STOMP; a leading LF or `STOMP` is unknown). */
export function detectProtocol(data: Buffer, enabled: { http: boolean; stomp: boolean }): Detected {
  if (enabled.http && HTTP_PREFIXES.some((p) => startsWith(data, p))) return 'http';
  if (enabled.stomp && STOMP_COMMANDS.some((p) => startsWith(data, p))) return 'stomp';
  return 'unknown';
}
