/**
 * Generator of hostile STOMP traffic for the wire fuzzer: mostly well-formed frames with odd contents (random
 * headers, destinations, JSON-RPC bodies with odd ids, batches, deep nesting), some malformed ones, then byte-level
 * mutations of either. Seeded and deterministic, so a crash can be replayed from its seed and frame number.
 *
 * Only verbs that change nothing on the host are called with real names: the fuzzer runs against a live vdsmd, and
 * random calls of storage or log-level verbs would write to the machine or flood the log.
 */

/** xorshift32: fast, seeded, good enough for choosing bytes. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  below(n: number): number {
    return this.next() % n;
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

const SAFE_METHODS = [
  'Host.ping2',
  'Host.ping',
  'Host.getVMList',
  'Host.getAllVmStats',
  'Host.getStats',
  'VM.getStats',
  'VM.setTicket',
  'Host.nope',
  'Nope.nope',
  '',
  '.',
  'Host.',
  '__proto__.constructor',
  'Host.constructor',
  'Host.toString',
];
const DESTINATIONS = [
  'jms.topic.vdsm_requests',
  'jms.topic.vdsm_irs_requests',
  'jms.topic.vdsm_requests.sub',
  'jms.queue.events',
  'jms.topic.vdsm_responses',
  'jms',
  'jms.topic',
  '',
  '*',
  '>',
  '#',
  'a:b',
  'reply-queue',
];
const COMMANDS = ['CONNECT', 'SUBSCRIBE', 'UNSUBSCRIBE', 'SEND', 'DISCONNECT'];
const ODD_COMMANDS = ['STOMP', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'MESSAGE', 'ERROR', 'CONNECTED', 'X', ''];
const HEADER_NAMES = [
  'destination',
  'id',
  'reply-to',
  'receipt',
  'accept-version',
  'heart-beat',
  'content-length',
  'content-type',
  'ovirtCorrelationId',
  'ack',
  'host',
  '',
];
const JUNK = [
  '\\',
  '\\c',
  '\\n',
  '\\r',
  '\\x',
  ':',
  '\r',
  '\0',
  'é',
  '\u{1F600}',
  '%s',
  '$' + '{x}',
  '"',
  "'",
  '\uFFFF',
];

function junkString(rng: Rng, max = 24): string {
  let s = '';
  const n = rng.below(max);
  for (let i = 0; i < n; i++) s += rng.chance(0.3) ? rng.pick(JUNK) : String.fromCharCode(32 + rng.below(95));
  return s;
}

function escapeStomp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/:/g, '\\c').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function jsonValue(rng: Rng, depth = 0): unknown {
  const k = rng.below(depth > 3 ? 5 : 8);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, -0, 2 ** 53, 3.14, 7]);
    case 3:
      return junkString(rng);
    case 4:
      return rng.pick(['', 'Up', 'Down', '00000000-0000-0000-0000-000000000000', 'x'.repeat(rng.below(2000))]);
    case 5:
      return Array.from({ length: rng.below(4) }, () => jsonValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.below(4); i > 0; i--)
        o[rng.pick(['vmID', 'password', 'ttl', 'params', junkString(rng, 8)])] = jsonValue(rng, depth + 1);
      return o;
    }
  }
}

function oddId(rng: Rng): string {
  switch (rng.below(8)) {
    case 0: {
      const d = 1 + rng.below(rng.chance(0.1) ? 50_000 : 200);
      return `${'['.repeat(d)}1${']'.repeat(d)}`;
    }
    case 1:
      return `{"a":${JSON.stringify(jsonValue(rng))}}`;
    case 2:
      return rng.pick(['null', 'true', '1e999', '-0', '[]', '{}', '""']);
    default:
      return JSON.stringify(`f-${rng.next().toString(16)}`);
  }
}

function request(rng: Rng): string {
  const parts: string[] = [];
  if (!rng.chance(0.05)) parts.push(`"jsonrpc":${rng.chance(0.9) ? '"2.0"' : JSON.stringify(jsonValue(rng))}`);
  if (!rng.chance(0.05)) parts.push(`"method":${JSON.stringify(rng.pick(SAFE_METHODS))}`);
  if (!rng.chance(0.2)) parts.push(`"params":${rng.chance(0.7) ? JSON.stringify(jsonValue(rng)) : '{}'}`);
  if (!rng.chance(0.1)) parts.push(`"id":${oddId(rng)}`);
  return `{${parts.join(',')}}`;
}

function body(rng: Rng): string {
  switch (rng.below(10)) {
    case 0:
      return `[${Array.from({ length: rng.below(rng.chance(0.1) ? 400 : 6) }, () => request(rng)).join(',')}]`;
    case 1:
      return junkString(rng, 200);
    case 2:
      return JSON.stringify(jsonValue(rng));
    case 3:
      return `${'['.repeat(rng.below(100_000))}`;
    default:
      return rng.chance(0.5) ? request(rng) : `[${request(rng)}]`;
  }
}

/** One frame as the fuzzer sends it (before any mutation). */
function frame(rng: Rng, replyQueue: string): Buffer {
  const command = rng.chance(0.03) ? rng.pick(ODD_COMMANDS) : rng.pick(COMMANDS);
  const headers: Array<[string, string]> = [];
  switch (command) {
    case 'CONNECT':
      headers.push(['accept-version', rng.chance(0.8) ? '1.2' : junkString(rng, 6)]);
      if (rng.chance(0.5))
        headers.push(['heart-beat', rng.pick(['0,0', '0,24000', '10,10', '5000,0', 'x,y', '-1,-1'])]);
      break;
    case 'SUBSCRIBE':
      if (rng.chance(0.9)) headers.push(['destination', rng.chance(0.3) ? replyQueue : rng.pick(DESTINATIONS)]);
      if (rng.chance(0.9)) headers.push(['id', String(rng.below(20))]);
      break;
    case 'UNSUBSCRIBE':
      if (rng.chance(0.9)) headers.push(['id', String(rng.below(20))]);
      break;
    case 'DISCONNECT':
      if (rng.chance(0.8)) headers.push(['receipt', junkString(rng, 10)]);
      break;
    default:
      headers.push(['destination', rng.chance(0.8) ? 'jms.topic.vdsm_requests' : rng.pick(DESTINATIONS)]);
      if (rng.chance(0.8)) headers.push(['reply-to', rng.chance(0.7) ? replyQueue : rng.pick(DESTINATIONS)]);
      if (rng.chance(0.2)) headers.push(['ovirtCorrelationId', junkString(rng)]);
  }
  for (let i = rng.chance(0.2) ? rng.below(4) : 0; i > 0; i--) headers.push([rng.pick(HEADER_NAMES), junkString(rng)]);
  const payload = Buffer.from(command === 'SEND' ? body(rng) : rng.chance(0.05) ? junkString(rng, 50) : '');
  let head = `${command}\n`;
  for (const [name, value] of headers) head += `${escapeStomp(name)}:${escapeStomp(value)}\n`;
  const counted = rng.chance(0.85) || payload.includes(0);
  if (counted) {
    const lie = rng.chance(0.03) ? rng.pick([-1, 1, 1e9, 0.5]) : 0;
    head += `content-length:${lie === 0 ? payload.length : lie === 0.5 ? 'abc' : payload.length + lie}\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\n`), payload, Buffer.from([0])]);
}

/** Byte-level damage: flips, inserts, deletes, truncation. */
function mutate(rng: Rng, data: Buffer): Buffer {
  const out = Buffer.from(data);
  switch (rng.below(4)) {
    case 0:
      for (let i = 1 + rng.below(4); i > 0 && out.length > 0; i--) {
        const at = rng.below(out.length);
        out[at] = (out[at] as number) ^ (1 << rng.below(8));
      }
      return out;
    case 1: {
      const at = rng.below(out.length + 1);
      return Buffer.concat([
        out.subarray(0, at),
        Buffer.from([rng.pick([0, 10, 13, 58, 92, 0xff, 0xc3])]),
        out.subarray(at),
      ]);
    }
    case 2: {
      const at = rng.below(out.length + 1);
      return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + rng.below(8))]);
    }
    default:
      return out.subarray(0, rng.below(out.length + 1));
  }
}

/** The next piece of traffic: a frame, sometimes damaged. */
export function nextFrame(rng: Rng, replyQueue: string): Buffer {
  const f = frame(rng, replyQueue);
  return rng.chance(0.15) ? mutate(rng, f) : f;
}
