import { isIP } from 'node:net';
import { isAbsolute, normalize, relative } from 'node:path';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';

/** Checks on caller input; every failure is INVALID_PARAMS and happens before any command runs. */

const invalid = (message: string): SupervdsmError => new SupervdsmError('INVALID_PARAMS', message);

export type Params = Readonly<Record<string, unknown>>;

export function object(params: unknown): Params {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw invalid('params must be an object');
  return params as Params;
}

export function str(p: Params, key: string, pattern?: RegExp, what = key): string {
  const value = p[key];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${key} must be a non-empty string`);
  if (value.length > 4096) throw invalid(`${key} is too long`);
  if (pattern !== undefined && !pattern.test(value))
    throw invalid(`${key} is not a valid ${what}: ${JSON.stringify(value)}`);
  return value;
}

export function optStr(p: Params, key: string, pattern?: RegExp, what = key): string | undefined {
  return p[key] === undefined ? undefined : str(p, key, pattern, what);
}

export function int(p: Params, key: string, min: number, max: number): number {
  const value = p[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${key} must be an integer in [${min}, ${max}]`);
  return value;
}

export function optInt(p: Params, key: string, min: number, max: number): number | undefined {
  return p[key] === undefined ? undefined : int(p, key, min, max);
}

export function optBool(p: Params, key: string): boolean | undefined {
  const value = p[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${key} must be a boolean`);
  return value;
}

export function strList(p: Params, key: string, pattern: RegExp, what: string, required = true): string[] {
  const value = p[key];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0) || value.length > 256)
    throw invalid(`${key} must be a list of 1 to 256 ${what}s`);
  return value.map((item, i) => {
    if (typeof item !== 'string' || !pattern.test(item))
      throw invalid(`${key}[${i}] is not a valid ${what}: ${JSON.stringify(item)}`);
    return item;
  });
}

/** LVM object names: what lvm(8) accepts, minus anything a shell or LVM's own syntax would read ('.', '..' too). */
export const LVM_NAME = /^(?!\.\.?$)[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;
/**
 * LVM tags: the characters lvm(8) allows in tags (VDSM's MDT_ tags use all of them, '&' for its own escaping),
 * never a leading '@' (tag selection) or spaces.
 */
export const LVM_TAG = /^[A-Za-z0-9_+.\-/=!:#&]{1,1024}$/;
/** A block device node under /dev with no relative parts. */
export const DEVICE = /^\/dev\/(?!.*\.\.)[A-Za-z0-9_./:-]{1,200}$/;
/**
 * Network interface names (IFNAMSIZ - 1). Like every name that ends up in a path (/run/netns/NAME,
 * netconf_dir/nets/NAME.json), '.' and '..' are refused.
 */
export const IFNAME = /^(?!\.\.?$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;
/** Network namespace names as ip-netns(8) stores them under /run/netns ('.' and '..' would name /run itself). */
export const NETNS = /^(?!\.\.?$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/;
/** systemd unit names. */
export const UNIT = /^[A-Za-z0-9:_.\\@-]{1,200}\.(service|socket|target|timer|mount|path|slice|scope)$/;

/** iSCSI portal: host or [IPv6] with an optional port. */
export const PORTAL = /^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
/** iSCSI qualified names in the three formats RFC 3720 defines. */
export const IQN =
  /^(?:iqn\.\d{4}-\d{2}\.[A-Za-z0-9.-]+(?::[A-Za-z0-9.:_-]{1,200})?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/;
/** One mount option (comma-joined later, so no commas; nothing that could read as a flag). */
export const MOUNT_OPTION = /^[A-Za-z0-9_][A-Za-z0-9_.:=@/+-]{0,255}$/;
/** A filesystem type name for mount -t. */
export const VFS_TYPE = /^[a-z0-9][a-z0-9_.]{0,31}$/;

export function device(p: Params, key: string): string {
  return str(p, key, DEVICE, 'device path');
}

/** An absolute path that after normalisation lies strictly below `root`. */
export function pathUnder(p: Params, key: string, root: string): string {
  const value = str(p, key);
  if (!isAbsolute(value) || value.includes('\0')) throw invalid(`${key} must be an absolute path`);
  const norm = normalize(value);
  const rel = relative(normalize(root), norm);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw invalid(`${key} ${JSON.stringify(value)} is outside the repository ${root}`);
  return norm.replace(/\/+$/, '');
}

/** An address with prefix length, e.g. 192.0.2.1/24 or 2001:db8::1/64. */
export function cidr(p: Params, key: string): { address: string; prefix: number; family: 4 | 6 } {
  const value = str(p, key);
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(value);
  const family = m === null ? 0 : isIP(m[1] as string);
  const prefix = m === null ? -1 : Number(m[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128))
    throw invalid(`${key} is not an address with prefix length: ${JSON.stringify(value)}`);
  return { address: m?.[1] as string, prefix, family: family as 4 | 6 };
}

/** A plain IP address. */
export function ip(p: Params, key: string): string {
  const value = str(p, key);
  if (isIP(value) === 0) throw invalid(`${key} is not an IP address: ${JSON.stringify(value)}`);
  return value;
}

/** Rejects keys the operation does not know, so a typo is an error rather than silently ignored. */
export function only(p: Params, keys: readonly string[]): Params {
  for (const key of Object.keys(p)) {
    if (!keys.includes(key))
      throw invalid(`unknown parameter ${JSON.stringify(key)} (known: ${keys.join(', ') || 'none'})`);
  }
  return p;
}

/** The params object of an operation that takes exactly `keys` (each optional or required as its handler checks). */
export function fields(params: unknown, keys: readonly string[]): Params {
  return only(object(params), keys);
}
