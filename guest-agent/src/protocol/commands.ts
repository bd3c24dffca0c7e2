/**
 * Host → guest commands: their wire form (what VDSM sends) and one parser that turns a decoded line into
 * a typed command, with upstream's lenient defaults. Unknown names and bad arguments come back as errors.
 */
import { type ProtocolError, protocolError } from './errors.js';
import type { COMMAND_MIN_API_VERSION } from './version.js';

export type HostCommandName = keyof typeof COMMAND_MIN_API_VERSION;

export const LIFECYCLE_EVENT_TYPES = [
  'before_migration',
  'after_migration',
  'before_hibernation',
  'after_hibernation',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export type HibernateState = 'disk' | 'mem';

/** Arguments of each command as they travel on the wire. */
export interface HostCommandWireArgs {
  /** VDSM always sends `apiVersion: 3`; an absent one tells the agent versioning is off */
  refresh: { apiVersion?: number };
  'api-version': { apiVersion: number };
  /** `timeout` in seconds; `reboot` is the string "True" or "False" (a JSON boolean means shutdown) */
  shutdown: { timeout?: number; message?: string; reboot?: 'True' | 'False' };
  'lock-screen': Record<string, never>;
  'log-off': Record<string, never>;
  login: { username: string; password: string };
  echo: Record<string, unknown>;
  hibernate: { state?: HibernateState };
  'set-number-of-cpus': { count: number };
  'lifecycle-event': { type: LifecycleEventType; reply_id?: string; failure?: boolean };
}

export type HostCommandWire = {
  [N in HostCommandName]: { __name__: N } & HostCommandWireArgs[N];
}[HostCommandName];

/** A command after parsing: defaults applied, strings turned into the types they stand for. */
export type HostCommand =
  | { readonly name: 'refresh'; readonly apiVersion: number | undefined }
  | { readonly name: 'api-version'; readonly apiVersion: number }
  | { readonly name: 'shutdown'; readonly timeout: number; readonly message: string; readonly reboot: boolean }
  | { readonly name: 'lock-screen' }
  | { readonly name: 'log-off' }
  | { readonly name: 'login'; readonly username: string; readonly password: string }
  | { readonly name: 'echo'; readonly args: Readonly<Record<string, unknown>> }
  | { readonly name: 'hibernate'; readonly state: HibernateState }
  | { readonly name: 'set-number-of-cpus'; readonly count: number }
  | {
      readonly name: 'lifecycle-event';
      readonly type: LifecycleEventType;
      readonly replyId: string | undefined;
      readonly failure: boolean;
    };

export type ParsedCommand =
  | { readonly ok: true; readonly command: HostCommand }
  | { readonly ok: false; readonly error: ProtocolError };

export const DEFAULT_SHUTDOWN_MESSAGE = 'System is going down';

/** An integer, or a string holding one (upstream applies `int()`); undefined otherwise. */
function toInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*[-+]?\d{1,15}\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

type Args = Readonly<Record<string, unknown>>;
type Parser = (args: Args) => HostCommand | ProtocolError;

function bad(detail: string): ProtocolError {
  return protocolError('GA_ERR_BAD_ARGS', detail);
}

const PARSERS: Readonly<Record<HostCommandName, Parser>> = {
  refresh: (args) => {
    if (!('apiVersion' in args)) return { name: 'refresh', apiVersion: undefined };
    const v = toInt(args.apiVersion);
    return v === undefined ? bad('refresh: apiVersion is not an integer') : { name: 'refresh', apiVersion: v };
  },
  'api-version': (args) => {
    const v = toInt(args.apiVersion);
    return v === undefined ? bad('api-version: apiVersion is not an integer') : { name: 'api-version', apiVersion: v };
  },
  shutdown: (args) => ({
    name: 'shutdown',
    timeout: Math.max(0, toInt(args.timeout) ?? 0),
    message: typeof args.message === 'string' ? args.message : DEFAULT_SHUTDOWN_MESSAGE,
    reboot: typeof args.reboot === 'string' && args.reboot.toLowerCase() === 'true',
  }),
  'lock-screen': () => ({ name: 'lock-screen' }),
  'log-off': () => ({ name: 'log-off' }),
  login: (args) =>
    typeof args.username === 'string' && typeof args.password === 'string'
      ? { name: 'login', username: args.username, password: args.password }
      : bad('login: username and password must be strings'),
  echo: (args) => ({ name: 'echo', args }),
  hibernate: (args) => {
    const state = args.state ?? 'disk';
    return state === 'disk' || state === 'mem'
      ? { name: 'hibernate', state }
      : bad('hibernate: state must be disk or mem');
  },
  'set-number-of-cpus': (args) => {
    const count = toInt(args.count);
    return count === undefined || count < 1
      ? bad('set-number-of-cpus: count must be a positive integer')
      : { name: 'set-number-of-cpus', count };
  },
  'lifecycle-event': (args) => {
    const type = LIFECYCLE_EVENT_TYPES.find((t) => t === args.type);
    if (type === undefined) return bad(`lifecycle-event: type must be one of ${LIFECYCLE_EVENT_TYPES.join(', ')}`);
    if (args.reply_id !== undefined && typeof args.reply_id !== 'string') {
      return bad('lifecycle-event: reply_id must be a string');
    }
    return { name: 'lifecycle-event', type, replyId: args.reply_id, failure: args.failure === true };
  },
};

export function isHostCommandName(name: string): name is HostCommandName {
  return Object.hasOwn(PARSERS, name);
}

/** Parses a command from a decoded line (`decodeLine`'s name and arguments). */
export function parseCommand(name: string, args: Args): ParsedCommand {
  if (!isHostCommandName(name)) return { ok: false, error: protocolError('GA_ERR_UNKNOWN_NAME', name) };
  const result = PARSERS[name](args);
  return 'code' in result ? { ok: false, error: result } : { ok: true, command: result };
}
