import { isAbsolute, normalize, relative } from 'node:path';
import { SupervdsmError } from '@vdsm-ts/vdsm/clients/supervdsm/errors.js';

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
  if (pattern !== undefined && !pattern.test(value)) throw invalid(`${key} is not a valid ${what}: ${JSON.stringify(value)}`);
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

/** LVM object names: what lvm(8) accepts, minus anything a shell or LVM's own syntax would read. */
export const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;
/** LVM tags: the characters lvm(8) documents, without '/', '@' or spaces. */
export const LVM_TAG = /^[A-Za-z0-9_+.=:-]{1,128}$/;
/** A block device node under /dev with no relative parts. */
export const DEVICE = /^\/dev\/(?!.*\.\.)[A-Za-z0-9_./:-]{1,200}$/;
/** Network interface names (IFNAMSIZ - 1). */
export const IFNAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;
/** Network namespace names as ip-netns(8) stores them under /run/netns. */
export const NETNS = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/;
/** systemd unit names. */
export const UNIT = /^[A-Za-z0-9:_.\\@-]{1,200}\.(service|socket|target|timer|mount|path|slice|scope)$/;

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

export function absolutePath(p: Params, key: string): string {
  const value = str(p, key);
  if (!isAbsolute(value) || value.includes('\0') || value.split('/').includes('..'))
    throw invalid(`${key} must be an absolute path without '..'`);
  return normalize(value);
}
